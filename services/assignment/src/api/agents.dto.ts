import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

export class UpsertAgentDto {
  @ApiProperty({ example: 'Ana Ruiz' })
  @IsString()
  @Length(1, 200)
  displayName!: string;

  @ApiProperty({ minimum: 0, maximum: 100, example: 3, description: 'Maximum concurrent conversations' })
  @IsInt()
  @Min(0)
  @Max(100)
  capacity!: number;

  @ApiPropertyOptional({ type: [String], example: ['billing'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  skills?: string[];

  @ApiPropertyOptional({ type: [String], example: ['es', 'en'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { each: true, message: 'each language must be a BCP 47 tag' })
  languages?: string[];
}

export class PresenceDto {
  @ApiProperty({ enum: ['online', 'away', 'offline'] })
  @IsIn(['online', 'away', 'offline'])
  status!: 'online' | 'away' | 'offline';
}

export class AgentView {
  @ApiProperty() id!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: ['online', 'away', 'offline'] }) status!: string;
  @ApiProperty() capacity!: number;
  @ApiProperty() activeCount!: number;
  @ApiProperty({ type: [String] }) skills!: string[];
  @ApiProperty({ type: [String] }) languages!: string[];
}
