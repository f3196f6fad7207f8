/**
 * `npm run wiring`: (re)writes the files generated from the service catalog and removes generated
 * files no catalog entry produces any more. `npm run wiring -- --check` only reports stale files
 * (exit 1), as tests/deploy/wiring.spec.ts does.
 */
import { runGeneratorCli, staleGenerated } from '../generated-files';
import { GENERATED_DIRS, generateWiring } from './generate';

export function staleFiles(): string[] {
  return staleGenerated(generateWiring(), GENERATED_DIRS);
}

if (require.main === module) {
  runGeneratorCli({
    name: 'wiring',
    kind: 'generated files',
    command: 'npm run wiring',
    files: generateWiring(),
    ownedDirs: GENERATED_DIRS,
    wrote: (stale) => `wrote ${stale.join(', ')}`,
    upToDate: 'every generated file is up to date',
  });
}
