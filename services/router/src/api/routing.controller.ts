import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { LOGGER } from '@omni/messaging';
import type { Logger } from '@omni/observability';
import { CurrentPrincipal, ProblemException, Roles, type Principal } from '@omni/service-kit';
import { CLOCK, type Clock } from '../clock';
import { analyzerFor, InvalidDocumentError, RoutingDocuments, type DocumentVersionView } from '../documents';
import { replayDecisions, type ReplayReport } from '../replay';
import { asksForHuman, DEFAULT_HUMAN_KEYWORDS } from '../routing/bot';
import type { EntryPointSource, RoutingDocument } from '../routing/document';
import { evaluate, flowFor, welcomeFor } from '../routing/evaluate';
import { loadRoutingDocument, type DocumentError } from '../routing/loader';
import { ROUTING_DOCUMENT_SCHEMA } from '../routing/schema';
import { DocumentDto, PreviewDto, ReplayDto, ValidationView, VersionParams } from './routing.dto';

const DAY_MS = 86_400_000;
/** Replays longer than this are refused (bounded work per call). */
const MAX_REPLAY_RANGE_DAYS = 93;

/**
 * The routing document API: validate a draft (every error with its line), preview it on a sample
 * message, activate it (every replica uses it from its next decision, no restart), list versions,
 * and replay a draft over recorded decisions. Admins and supervisors only.
 */
@ApiTags('routing')
@Roles('supervisor')
@Controller('routing')
export class RoutingController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly documents: RoutingDocuments,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The same schema as docs/routing.schema.json (which editors use without a token). */
  @Get('schema')
  @ApiOperation({ summary: 'The routing document JSON Schema (also docs/routing.schema.json)' })
  schema(): typeof ROUTING_DOCUMENT_SCHEMA {
    return ROUTING_DOCUMENT_SCHEMA;
  }

  @Post('documents/validate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Validate a routing document: every error with its path, line and column' })
  @ApiOkResponse({ type: ValidationView })
  validate(@Body() body: DocumentDto): ValidationView {
    const loaded = loadRoutingDocument(body.document);
    return { valid: loaded.ok, errors: loaded.ok ? [] : loaded.errors.map(fieldError) };
  }

  @Post('documents')
  @ApiOperation({ summary: 'Activate a new version of the routing document (no restart)' })
  @ApiCreatedResponse({ description: 'the new version, active from the next decision' })
  @ApiBadRequestResponse({ description: 'invalid document: problem+json with every error, its path and line' })
  async activate(@Body() body: DocumentDto, @CurrentPrincipal() caller: Principal | undefined): Promise<DocumentVersionView> {
    try {
      const view = await this.dataSource.transaction((manager) => this.documents.activate(manager, body.document, caller?.subject ? `user:${caller.subject}` : 'user:unknown', this.clock.now()));
      this.logger.info({ version: view.version, activatedBy: view.activatedBy }, 'routing document activated');
      return view;
    } catch (error) {
      if (error instanceof InvalidDocumentError) throw invalid(error.errors, 'document');
      throw error;
    }
  }

  @Get('documents')
  @ApiOperation({ summary: 'Every version, newest (active) first, with who activated it and when' })
  async list(): Promise<{ items: DocumentVersionView[] }> {
    return { items: await this.documents.list(this.dataSource.manager) };
  }

  @Get('documents/active')
  @ApiOperation({ summary: 'The active version and its YAML text' })
  async active(): Promise<{ version: number; document: string }> {
    const row = await this.documents.source(this.dataSource.manager);
    if (!row) throw new ProblemException(404, 'Not found', 'no routing document is active');
    return { version: row.version, document: row.source };
  }

  @Get('documents/:version')
  @ApiOperation({ summary: 'One version’s YAML text' })
  @ApiNotFoundResponse()
  async version(@Param() params: VersionParams): Promise<{ version: number; document: string }> {
    const row = await this.documents.source(this.dataSource.manager, params.version);
    if (!row) throw new ProblemException(404, 'Not found', `routing document version ${params.version} does not exist`);
    return { version: row.version, document: row.source };
  }

  @Post('documents/preview')
  @HttpCode(200)
  @ApiOperation({ summary: 'What a document (a draft, or the active one) decides for a sample message' })
  async preview(@Body() body: PreviewDto): Promise<Record<string, unknown>> {
    const document = body.document !== undefined ? this.draft(body.document) : (await this.documents.active(this.dataSource.manager)).document;
    const m = body.message;
    const at = m.at ? new Date(m.at) : this.clock.now();
    const language = m.language ?? '';
    const facts = {
      channel: m.channel,
      entryPoint: m.entryPoint ? { source: (m.entryPoint.source ?? '') as EntryPointSource | '', ref: m.entryPoint.ref ?? '', adId: m.entryPoint.adId ?? '', welcomeMessageId: m.entryPoint.welcomeMessageId ?? '' } : undefined,
      language,
      text: m.text,
      analysis: analyzerFor(document).analyze(m.text, language),
      contact: m.contact ?? {},
      lastContactAt: m.lastContactDaysAgo !== undefined ? new Date(at.getTime() - m.lastContactDaysAgo * DAY_MS) : undefined,
      lastCsat: m.lastCsat,
      // Values as text, whatever JSON type the caller sent (answers are text in a real flow).
      botAnswers: Object.fromEntries(Object.entries(m.botAnswers ?? {}).map(([k, v]) => [k, String(v)])),
    };
    const evaluation = evaluate(document, facts, at);
    const welcome = welcomeFor(document, facts);
    return {
      ...evaluation,
      nextOpening: evaluation.nextOpening?.toISOString(),
      intent: facts.analysis.intent,
      sentiment: facts.analysis.sentiment,
      welcome: welcome?.id,
      botFlow: flowFor(evaluation, welcome, asksForHuman({ text: m.text, payload: '' }, document.human_keywords ?? DEFAULT_HUMAN_KEYWORDS)),
    };
  }

  @Post('replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'What-if: replay the recorded decisions of a time range under a draft; publishes nothing' })
  @ApiBadRequestResponse({ description: 'invalid draft (every error with its line) or range' })
  async replay(@Body() body: ReplayDto): Promise<ReplayReport> {
    const draft = this.draft(body.document);
    const from = new Date(body.from);
    const to = new Date(body.to);
    if (to <= from) throw invalid([{ path: 'to', line: 0, column: 0, message: 'must be after from' }]);
    if (to.getTime() - from.getTime() > MAX_REPLAY_RANGE_DAYS * DAY_MS) throw invalid([{ path: 'to', line: 0, column: 0, message: `the range may span at most ${MAX_REPLAY_RANGE_DAYS} days` }]);
    // A read-only transaction: the replay cannot write (and so cannot publish) even by mistake.
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      await manager.query('SET TRANSACTION READ ONLY');
      return replayDecisions(manager, draft, { from, to, examples: body.examples ?? 10, limit: body.limit });
    });
  }

  private draft(source: string): RoutingDocument {
    const loaded = loadRoutingDocument(source);
    if (!loaded.ok) throw invalid(loaded.errors, 'document');
    return loaded.document;
  }
}

function fieldError(e: DocumentError): { field: string; line: number; column: number; message: string } {
  return { field: e.path, line: e.line, column: e.column, message: e.message };
}

/** 400 problem+json; document errors name their path inside the document and their line. */
function invalid(errors: DocumentError[], prefix?: string): ProblemException {
  const list = errors.map((e) => ({ ...fieldError(e), field: prefix ? `${prefix}${e.path ? `.${e.path}` : ''}` : e.path }));
  return new ProblemException(400, 'Invalid routing document', `${errors.length} error(s); each names its path and YAML line`, list);
}
