import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { LOGGER } from '@omni/messaging';
import type { Logger } from '@omni/observability';
import { InjectConfig } from '@omni/service-kit';
import type { RouterConfig } from './config';
import { LexiconAnalyzer, type TextAnalyzer } from './routing/analyzer';
import { builtInDocumentSource } from './routing/default-document';
import type { RoutingDocument } from './routing/document';
import { loadRoutingDocument, type DocumentError } from './routing/loader';

/** A document version ready to evaluate, with the analyzer its `intents` configure. */
export interface LoadedDocument {
  version: number;
  document: RoutingDocument;
  analyzer: TextAnalyzer;
  sha256: string;
}

export interface DocumentVersionView {
  version: number;
  name: string | null;
  sha256: string;
  activatedBy: string;
  activatedAt: string;
  active: boolean;
}

export class InvalidDocumentError extends Error {
  constructor(readonly errors: DocumentError[]) {
    super(`the routing document has ${errors.length} error(s): ${errors.map((e) => `${e.path || '(document)'} (line ${e.line}): ${e.message}`).join('; ')}`);
  }
}

/** Parsed documents are immutable per version, so every replica caches them by version. */
const CACHE_LIMIT = 32;

/**
 * Routing documents, versioned in PostgreSQL: the newest version is the active one. Every
 * instance reads the active version number on each decision, so an activation reaches all replicas
 * at once without a restart; each version is kept with who activated it and when (rolling back is
 * activating an old text again, as a new version).
 */
@Injectable()
export class RoutingDocuments implements OnModuleInit {
  private readonly cache = new Map<number, LoadedDocument>();

  constructor(
    private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: RouterConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * At start-up: ROUTER_DOCUMENT_FILE, when set, becomes the active version unless it already is
   * (a restart with the same file adds nothing); with no file and no version yet, the built-in
   * document. An invalid file stops the start with its errors.
   */
  async onModuleInit(): Promise<void> {
    const file = this.config.ROUTER_DOCUMENT_FILE;
    const source = file ? readFileSync(file, 'utf8') : builtInDocumentSource(this.config.ROUTER_DEFAULT_QUEUE, this.config.ROUTER_VIP_TIERS.split(','));
    const loaded = loadRoutingDocument(source);
    if (!loaded.ok) throw new InvalidDocumentError(loaded.errors);
    await this.dataSource.transaction(async (manager) => {
      // Replicas starting together must not each add the same version.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('omni.router.documents'))`);
      const [current] = (await manager.query(`SELECT version, sha256 FROM ${this.table(manager)} ORDER BY version DESC LIMIT 1`)) as Array<{ version: number; sha256: string }>;
      if (file ? current?.sha256 === loaded.sha256 : current) return;
      const version = await this.insert(manager, source, loaded.sha256, loaded.document.name ?? null, file ? `file:${basename(file)}` : 'built-in', new Date());
      this.logger.info({ version, source: file ? 'file' : 'built-in' }, 'routing document activated at start-up');
    });
  }

  /** The active version (the newest). */
  async active(manager: EntityManager): Promise<LoadedDocument> {
    const [row] = (await manager.query(`SELECT version FROM ${this.table(manager)} ORDER BY version DESC LIMIT 1`)) as Array<{ version: number }>;
    if (!row) throw new Error('no routing document is active');
    return this.version(manager, row.version);
  }

  async version(manager: EntityManager, version: number): Promise<LoadedDocument> {
    const cached = this.cache.get(version);
    if (cached) return cached;
    const [row] = (await manager.query(`SELECT source FROM ${this.table(manager)} WHERE version = $1`, [version])) as Array<{ source: string }>;
    if (!row) throw new Error(`routing document version ${version} does not exist`);
    const loaded = loadRoutingDocument(row.source);
    if (!loaded.ok) throw new InvalidDocumentError(loaded.errors);
    const entry = { version, document: loaded.document, analyzer: analyzerFor(loaded.document), sha256: loaded.sha256 };
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(version, entry);
    return entry;
  }

  async source(manager: EntityManager, version?: number): Promise<{ version: number; source: string } | undefined> {
    const [row] = (await manager.query(
      version === undefined ? `SELECT version, source FROM ${this.table(manager)} ORDER BY version DESC LIMIT 1` : `SELECT version, source FROM ${this.table(manager)} WHERE version = $1`,
      version === undefined ? [] : [version],
    )) as Array<{ version: number; source: string }>;
    return row;
  }

  /** Validates and stores a new version, active from the next decision on. */
  async activate(manager: EntityManager, source: string, by: string, at: Date): Promise<DocumentVersionView> {
    const loaded = loadRoutingDocument(source);
    if (!loaded.ok) throw new InvalidDocumentError(loaded.errors);
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('omni.router.documents'))`);
    const version = await this.insert(manager, source, loaded.sha256, loaded.document.name ?? null, by, at);
    return { version, name: loaded.document.name ?? null, sha256: loaded.sha256, activatedBy: by, activatedAt: at.toISOString(), active: true };
  }

  /** Every version, newest first (bounded). */
  async list(manager: EntityManager, limit = 100): Promise<DocumentVersionView[]> {
    const rows = (await manager.query(`SELECT version, name, sha256, activated_by, activated_at FROM ${this.table(manager)} ORDER BY version DESC LIMIT $1`, [limit])) as Array<{
      version: number;
      name: string | null;
      sha256: string;
      activated_by: string;
      activated_at: Date;
    }>;
    return rows.map((r, i) => ({ version: r.version, name: r.name, sha256: r.sha256, activatedBy: r.activated_by, activatedAt: r.activated_at.toISOString(), active: i === 0 }));
  }

  private async insert(manager: EntityManager, source: string, sha256: string, name: string | null, by: string, at: Date): Promise<number> {
    const [row] = (await manager.query(`INSERT INTO ${this.table(manager)} (source, sha256, name, activated_by, activated_at) VALUES ($1, $2, $3, $4, $5) RETURNING version`, [
      source,
      sha256,
      name,
      by,
      at,
    ])) as Array<{ version: number }>;
    return row.version;
  }

  private table(manager: EntityManager): string {
    return `"${(manager.connection.options as { schema: string }).schema}".routing_documents`;
  }
}

export function analyzerFor(document: RoutingDocument): TextAnalyzer {
  return new LexiconAnalyzer(document.intents);
}
