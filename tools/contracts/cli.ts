/**
 * `npm run contracts:docs`: (re)writes docs/schemas, docs/examples, docs/asyncapi.yaml and
 * docs/asyncapi.html from the topic registry and the proto; `-- --check` only reports stale files.
 */
import { runGeneratorCli, staleGenerated, type GeneratedFile } from '../generated-files';
import { GENERATED_DIRS, generateContractDocs } from './generate';

export function staleContractDocs(files: GeneratedFile[] = generateContractDocs()): string[] {
  return staleGenerated(files, GENERATED_DIRS);
}

if (require.main === module) {
  runGeneratorCli({
    name: 'contracts:docs',
    kind: 'contract docs',
    command: 'npm run contracts:docs',
    files: generateContractDocs(),
    ownedDirs: GENERATED_DIRS,
    wrote: (stale) => `wrote ${stale.length} files`,
    upToDate: 'up to date',
  });
}
