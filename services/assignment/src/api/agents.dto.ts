import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

export class UpsertAgentDto {
  @ApiProperty({ example: 'Ana Ruiz' })
  @IsString()
  @Length(1, 200)
  displayName!: string;

  @ApiProperty({ minimum: 0, maximum: 100, example: 3, description: 'Overall capacity in weight units (a plain conversation weighs 1; see ASSIGNMENT_CHANNEL_WEIGHTS, ASSIGNMENT_VIP_WEIGHT)' })
  @IsInt()
  @Min(0)
  @Max(100)
  capacity!: number;

  @ApiPropertyOptional({ type: [String], example: ['billing:3', 'tech'], description: 'Skills, each "name" (level 1) or "name:level" (1-5)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(/^[^:\s]{1,64}(:[1-5])?$/, { each: true, message: 'each skill must be "name" or "name:level" with level 1-5' })
  skills?: string[];

  @ApiPropertyOptional({ type: [String], example: ['es', 'en'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { each: true, message: 'each language must be a BCP 47 tag' })
  languages?: string[];

  @ApiPropertyOptional({ type: [String], example: ['tier1'], description: 'Teams; a queue configured with teams is served only by their members' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { each: true, message: 'each team must be 1-64 of A-Z a-z 0-9 . _ -' })
  teams?: string[];

  @ApiPropertyOptional({ example: { whatsapp: 2 }, description: 'Per-channel caps in weight units, by channel slug' })
  @IsOptional()
  @IsObject()
  channelCapacity?: Record<string, number>;
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
  @ApiProperty({ description: 'Weight units held (offered + assigned)' }) load!: number;
  @ApiProperty({ description: 'Conversations held (offered + assigned)' }) activeCount!: number;
  @ApiProperty({ type: [String], example: ['billing:3'] }) skills!: string[];
  @ApiProperty({ type: [String] }) languages!: string[];
  @ApiProperty({ type: [String] }) teams!: string[];
  @ApiProperty({ example: { whatsapp: 2 } }) channelCapacity!: Record<string, number>;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastHeartbeatAt!: string | null;
}
