import fs from 'node:fs';
import path from 'node:path';
import { problem, type Problem } from './errors.js';
import { buildGraph, type ModuleGraph } from './graph/graph.js';
import { migrationCycle } from './graph/migration-cycles.js';
import { discoverWorkspace, findWorkspaceRoot, holdsModules, type MigrationFolder } from './manifest/discover.js';
import { KnownManifests, loadManifest, type ModuleManifest } from './manifest/load.js';
import { pythonSqlHint, scanMigrationsFolder, type MigrationFile } from './migrations/files.js';
import { checkTenantNames, checkUnitIsolation, moduleUnit, tenantUnits } from './plan/units.js';
import { registerEnvironmentSecrets } from './redact.js';
import { plural } from './text.js';

/** A module with its migrations, ready to plan. */
export interface Module extends ModuleManifest {
  migrations: MigrationFile[];
  /** Whether its migrations folder was read (a per-module command reads only its own; see LoadOptions.scan). */
  scanned: boolean;
}

export interface Workspace {
  root: string;
  modules: Module[];
  byName: ReadonlyMap<string, Module>;
  graph: ModuleGraph;
  /** Every static problem found: manifests, env, isolation, graph, files. Empty means valid. */
  problems: Problem[];
  /** Worth a word but not wrong (validate shows them): stray subfolders, up files without statements. */
  warnings: Problem[];
  /** Folders of migration files that no manifest points at (seed 000's forgotten second folder); validate reports them. */
  /** Migration folders no manifest points at; `link`: the folder's bulkhead.json is a symbolic link (read, if at all, as its target's module). */
  strays: { folder: MigrationFolder; module?: Module; link?: string }[];
  /** Workspace-relative path for messages. */
  rel(abs: string): string;
}

export interface LoadOptions {
  /** Folder to start from; the workspace root is the nearest folder with nx.json, else this one. */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Read only these modules' migration folders (a per-module call such as an Nx task); every
   * manifest is still read, for isolation and the graph. Default: every module's.
   */
  scan?: readonly string[];
  /**
   * The command never connects to the modules' own databases (validate, make, lint without
   * --pending, verify or lint --trace on a --server of their own): a database URL whose variable is
   * unset is a warning, not a problem, and its module points nowhere.
   */
  filesOnly?: boolean;
}

/** Discover and load every module of a workspace. Touches no database; never throws for bad input. */
export function loadWorkspace(options: LoadOptions = {}): Workspace {
  const root = findWorkspaceRoot(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  registerEnvironmentSecrets(env);
  // Asked for every migration file by several commands and reports: each path is worked out once.
  const relative = new Map<string, string>();
  const rel = (abs: string) => {
    // A path already workspace-relative (a module's manifest file) stays as it is: resolved, it
    // would be taken from the process's directory, not the workspace's (bulkhead --cwd elsewhere).
    if (!path.isAbsolute(abs)) return abs;
    let r = relative.get(abs);
    if (r === undefined) relative.set(abs, (r = path.relative(root, abs) || '.'));
    return r;
  };
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const modules: Module[] = [];
  const byName = new Map<string, Module>();
  const { manifests: files, migrationFolders, linkedManifests } = discoverWorkspace(root);
  if (files.length === 0) {
    const above = workspaceAbove(root);
    problems.push(
      problem('BH019', `no bulkhead.json found under ${root}`, {
        fix: above
          ? `the workspace is ${above}, above (it holds the bulkhead.json files; without an nx.json the root is where bulkhead runs): run it there, or pass --cwd ${above}`
          : 'run bulkhead in the workspace root (or pass --cwd), and give each module a modules/<name>/bulkhead.json',
      }),
    );
  }
  const known = new KnownManifests(root);
  // Folders of manifests that did not load: where their migrations are is not known, so nothing
  // under them is called stray (their own problem is reported).
  const unread: string[] = [];
  for (const file of files) {
    const r = loadManifest(file, root, env, known, { filesOnly: options.filesOnly });
    if (r.ok && r.warnings) warnings.push(...r.warnings);
    if (!r.ok) {
      problems.push(...r.problems);
      unread.push(path.dirname(file));
      continue;
    }
    const other = byName.get(r.module.name);
    if (other) {
      problems.push(
        problem('BH004', `module name ${r.module.name} is declared by both ${other.file} and ${r.module.file}`, {
          module: r.module.name,
          file: r.module.file,
          field: 'name',
          fix: 'module names are unique in the workspace; rename one',
        }),
      );
      unread.push(r.module.dir);
      continue;
    }
    const scanned = !options.scan || options.scan.includes(r.module.name);
    const scan = scanned ? scanMigrationsFolder(r.module.name, r.module.migrationsDir, rel) : { migrations: [], problems: [], warnings: [] };
    problems.push(...scan.problems);
    warnings.push(...scan.warnings);
    // Outside the workspace, the migrations are not in its checkout: another machine (CI) lacks
    // them or has others, and Nx's cache of verify and lint does not see them change.
    const outside = path.relative(root, r.module.migrationsDir);
    if (scanned && (outside.startsWith('..') || path.isAbsolute(outside))) {
      warnings.push(
        problem('BH038', `the migrations folder ${r.module.migrationsDir} is outside the workspace (${root}): a checkout of the workspace does not hold these migrations, and Nx's cache of verify and lint does not see them change`, {
          module: r.module.name,
          file: r.module.file,
          field: 'migrations',
          fix: `move the folder into the workspace (beside ${r.module.file}), or keep it there on purpose (a folder every machine mounts)`,
        }),
      );
    }
    const module: Module = { ...r.module, migrations: scan.migrations, scanned };
    modules.push(module);
    byName.set(module.name, module);
  }
  known.save();

  modules.sort((a, b) => a.name.localeCompare(b.name));
  problems.push(...sharedMigrationFolders(modules, rel));
  // Tenants listed in manifests are known now; tenants listed by a query, when a command reads them.
  problems.push(...checkUnitIsolation(modules.flatMap((m) => (m.manifest.tenants ? tenantUnits(m, m.manifest.tenants.names ?? []) : [moduleUnit(m)]))));
  for (const m of modules) if (m.manifest.tenants?.names) problems.push(...checkTenantNames(m, m.manifest.tenants.names, 'tenants.names'));
  const graph = buildGraph(modules.map((m) => ({ name: m.name, dependsOn: m.manifest.dependsOn, file: m.file })));
  // A module cycle whose migrations' requires also form a cycle cannot be fixed by ordering: say which.
  for (const c of graph.cycles) {
    const members = c.path.slice(0, -1).map((n) => byName.get(n)).filter((m): m is Module => m?.scanned === true);
    const chain = members.length > 1 ? migrationCycle(members) : undefined;
    if (chain) {
      c.problem.message += `; its migrations' requires form a cycle too: ${chain.join(' → ')} (each needs the next applied first)`;
      c.problem.fix = `no order of modules or migrations can apply these; move the objects one of them needs into the other module (or a module both depend on), then drop the dependsOn entry that closes the cycle`;
    }
  }
  problems.push(...graph.problems);
  const inside = (dir: string, parent: string) => dir === parent || dir.startsWith(parent + path.sep);
  const strays = migrationFolders
    .filter((f) => !modules.some((m) => inside(f.dir, m.migrationsDir)) && !unread.some((dir) => inside(f.dir, dir)))
    .map((folder) => ({ folder, module: modules.find((m) => inside(folder.dir, m.dir)), link: linkedManifests.find((l) => inside(folder.dir, path.dirname(l))) }));
  const told = strayProblems(strays, modules, rel);
  problems.push(...told.problems);
  warnings.push(...told.warnings);
  return { root, modules, byName, graph, problems, warnings, strays, rel };
}

const quietlyRead = new WeakMap<Module, readonly MigrationFile[]>();

/**
 * A module's migrations, whether or not this call read its folder: a per-module call (an Nx task)
 * reads only its own (LoadOptions.scan), but what another module's migrations are — the ids its
 * `requires` name, the objects they create (SPEC §7) — holds all the same. A folder not read is
 * read here once, for that alone: its own problems are for its module's commands to tell.
 */
export function migrationsOf(ws: Workspace, module: Module): readonly MigrationFile[] {
  if (module.scanned) return module.migrations;
  let read = quietlyRead.get(module);
  if (!read) quietlyRead.set(module, (read = scanMigrationsFolder(module.name, module.migrationsDir, ws.rel).migrations));
  return read;
}

/**
 * Where a command run below the workspace root (a module's folder, without Nx's nx.json to find
 * the root by) should have run: the nearest folder above with a bulkhead.json, or with modules/ of
 * them. Only asked when nothing was found.
 */
function workspaceAbove(root: string): string | undefined {
  const above: string[] = [];
  for (let dir = path.dirname(root); above.length < 6 && dir !== path.dirname(dir); dir = path.dirname(dir)) above.push(dir);
  // A folder of modules/ beats a module's own folder (the command ran in its migrations folder).
  return above.find((dir) => holdsModules(path.join(dir, 'modules'))) ?? above.find((dir) => fs.existsSync(path.join(dir, 'bulkhead.json')));
}

/**
 * Migration folders no manifest points at (BH047). Inside a module's folder it is that module's
 * forgotten history (seed 003's second folder): an error for every command that reads the module,
 * so `up` applies nothing while it is there, as `validate` says. Elsewhere, perhaps a service not
 * yet brought under Bulkhead: a warning. A module folder whose manifest is a link to another's.
 */
function strayProblems(strays: Workspace['strays'], modules: readonly Module[], rel: (abs: string) => string): { problems: Problem[]; warnings: Problem[] } {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  for (const { folder, module, link } of strays) {
    const what = `holds ${plural(folder.count, `${folder.layout} migration`)} that no bulkhead.json points at`;
    const runnable = folder.layout.startsWith('up/down');
    if (link && !module) {
      // A module folder whose manifest links to another's: that one is read once, for its own folder.
      const target = realpathOrUndefined(link);
      const owner = target && modules.find((m) => realpathOrUndefined(m.file) === target);
      problems.push(
        problem('BH047', `a symbolic link to ${target ? rel(target) : `${fs.readlinkSync(link)}, which does not exist`}${owner ? `, read once, as module ${owner.name}'s (which runs ${rel(owner.migrationsDir)})` : ''}: the ${plural(folder.count, 'migration')} in ${rel(folder.dir)} ${folder.count === 1 ? 'runs' : 'run'} nowhere`, {
          file: rel(link),
          fix: `give ${rel(path.dirname(link))} a bulkhead.json of its own (its own module name and database), or delete the link${runnable ? ' and move the migrations to the module that runs them' : ''}`,
        }),
      );
    } else if (module) {
      // A module a per-module call does not read is not held up by its folder.
      if (!module.scanned) continue;
      problems.push(
        problem('BH047', `${what}; module ${module.name} runs ${rel(module.migrationsDir)}`, {
          module: module.name,
          file: rel(folder.dir),
          fix: `move what still matters into ${rel(module.migrationsDir)} as Bulkhead migrations (bulkhead make ${module.name} <name>) and delete ${rel(folder.dir)}${runnable ? `, or point "migrations" in ${module.file} at it` : ''}${folder.layout === 'Alembic' ? pythonSqlHint(pythonFiles(folder.dir)) : ''}`,
        }),
      );
    } else {
      warnings.push(
        problem('BH047', what, {
          file: rel(folder.dir),
          fix: `give the service that owns it a bulkhead.json (with "migrations" pointing at the folder), or delete the folder if nothing runs it`,
        }),
      );
    }
  }
  return { problems, warnings };
}

/** The Python files of a folder (an Alembic versions/ folder), for pythonSqlHint. */
function pythonFiles(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((f) => f.endsWith('.py') && f !== '__init__.py').sort().map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/** A path with its links resolved, or undefined when it leads nowhere. */
function realpathOrUndefined(file: string): string | undefined {
  try {
    return fs.realpathSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Two modules reading one migrations folder (a manifest's "migrations" pointing at another
 * module's, through a symlink or a relative path): each would run the other's migrations on its
 * own database. Told directly, not only through the objects both would create.
 */
function sharedMigrationFolders(modules: readonly Module[], rel: (abs: string) => string): Problem[] {
  const byFolder = new Map<string, Module[]>();
  for (const m of modules) {
    let real: string;
    try {
      real = fs.realpathSync(m.migrationsDir);
    } catch {
      continue; // a missing folder is its own problem (BH010)
    }
    (byFolder.get(real) ?? byFolder.set(real, []).get(real)!).push(m);
  }
  return [...byFolder.values()]
    .filter((ms) => ms.length > 1)
    .map((ms) => {
      // The folder's owner is the module it sits in; the others are told to get their own.
      const own = (m: Module) => m.migrationsDir.startsWith(m.dir + path.sep);
      const [owner, ...others] = [...ms].sort((a, b) => Number(own(b)) - Number(own(a)) || a.name.localeCompare(b.name));
      const other = others[0]!;
      return problem('BH059', `modules ${ms.map((m) => m.name).join(' and ')} read migrations from one folder, ${rel(owner!.migrationsDir)}: each would run the others' migrations on its own database`, {
        module: other.name,
        file: other.file,
        field: 'migrations',
        fix: `give ${others.map((m) => m.name).join(', ')} a migrations folder of its own ("migrations" in ${others.map((m) => m.file).join(', ')}; by default <module folder>/migrations); the same migrations on several databases are one module with tenants ("tenants": { "kind": "database", … })`,
      });
    });
}

