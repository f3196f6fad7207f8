import { Controller, Get, Global, HttpCode, Inject, Module, Res, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ValidationPipe, BadRequestException, type ValidationError } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { HealthRegistry, Metrics, type Logger } from '@omni/observability';
import { LOGGER } from '@omni/messaging';
import { ProblemException, ProblemFilter } from './problem';
import { BearerAuthGuard, TOKEN_VERIFIER } from './auth/auth.guard';
import { Public } from './auth/roles';
import { TokenVerifier, type AuthSettings } from './auth/token-verifier';

export const SERVICE_CONFIG = Symbol('omni.service-config');

@ApiExcludeController()
@Public()
@Controller()
class OpsController {
  constructor(
    private readonly health: HealthRegistry,
    private readonly metrics: Metrics,
  ) {}

  /** Liveness: the process answers. Never depends on Kafka or PostgreSQL. */
  @Get('health/live')
  @HttpCode(200)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: every registered dependency answers (503 otherwise, with which one failed). */
  @Get('health/ready')
  async ready(@Res() res: Response): Promise<void> {
    const report = await this.health.readiness();
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  }

  @Get('metrics')
  async scrape(@Res() res: Response): Promise<void> {
    const { contentType, body } = await this.metrics.render();
    res.type(contentType).send(body);
  }
}

function fieldErrors(errors: ValidationError[], parent = ''): Array<{ field: string; message: string }> {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    return [
      ...Object.values(e.constraints ?? {}).map((message) => ({ field, message })),
      ...fieldErrors(e.children ?? [], field),
    ];
  });
}

export interface KitOptions {
  service: string;
  logger: Logger;
  metrics: Metrics;
  health: HealthRegistry;
  config: unknown;
  auth: AuthSettings;
}

/**
 * Global providers every service needs (logger, metrics, health registry, its config), the ops
 * endpoints, problem+json errors and class-validator request validation with field errors.
 */
@Global()
@Module({})
export class ServiceKitModule {
  static forRoot(options: KitOptions): DynamicModule {
    return {
      module: ServiceKitModule,
      controllers: [OpsController],
      providers: [
        { provide: LOGGER, useValue: options.logger },
        { provide: Metrics, useValue: options.metrics },
        { provide: HealthRegistry, useValue: options.health },
        { provide: SERVICE_CONFIG, useValue: options.config },
        { provide: TOKEN_VERIFIER, useValue: new TokenVerifier(options.auth) },
        { provide: APP_GUARD, useClass: BearerAuthGuard },
        { provide: APP_FILTER, useFactory: () => new ProblemFilter(options.logger) },
        {
          provide: APP_PIPE,
          useFactory: () =>
            new ValidationPipe({
              transform: true,
              whitelist: true,
              forbidNonWhitelisted: true,
              exceptionFactory: (errors: ValidationError[]): BadRequestException =>
                new ProblemException(400, 'Invalid request', 'The request has invalid fields.', fieldErrors(errors)) as BadRequestException,
            }),
        },
      ],
      exports: [LOGGER, Metrics, HealthRegistry, SERVICE_CONFIG, TOKEN_VERIFIER],
    };
  }
}

export const InjectConfig = (): ParameterDecorator => Inject(SERVICE_CONFIG);
export const InjectLogger = (): ParameterDecorator => Inject(LOGGER);
