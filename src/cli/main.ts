#!/usr/bin/env node
import { EngineError } from '../app.js';
import { ConfigError } from '../config/index.js';
import { ListenError, packageVersion } from '../lib/index.js';
import { UsageError } from './args.js';
import { genconfig, genconfigHelp } from './genconfig.js';
import { serve, serveHelp } from './serve.js';
import { checktoken, checktokenHelp, gentoken, gentokenHelp } from './tokens.js';

const usage = `Usage: parsec <command> [options]

Commands:
  serve        run the server (default)
  genconfig    write a config file with fresh secrets
  gentoken     print a connection token
  checktoken   verify a connection token
  version      print the version

Run "parsec <command> --help" for a command's options.`;

type Command = (argv: string[]) => number | Promise<number>;

const commands: Record<string, { run: Command; help: string }> = {
  serve: { run: serve, help: serveHelp },
  genconfig: { run: genconfig, help: genconfigHelp },
  gentoken: { run: gentoken, help: gentokenHelp },
  checktoken: { run: checktoken, help: checktokenHelp },
  version: { run: () => (console.log(packageVersion()), 0), help: 'Usage: parsec version\n\nPrints the version.' },
};

async function main(argv: string[]): Promise<number> {
  const [name = 'serve', ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(usage);
    return 0;
  }
  if (name === '--version') return commands.version!.run([]);
  // `npm start -- --config x` arrives without a command name: that is `serve`.
  const command = name.startsWith('-') ? commands.serve! : commands[name];
  const args = name.startsWith('-') ? argv : rest;
  if (!command) {
    console.error(`unknown command "${name}"\n\n${usage}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(args);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`parsec: ${err.message}\n\n${command.help}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      console.error(`parsec: invalid config: ${err.message}`);
      return 78;
    }
    if (err instanceof EngineError || err instanceof ListenError) {
      // 69 is sysexits' EX_UNAVAILABLE: a service or a port the server needs is not there.
      console.error(`parsec: cannot start: ${err.message}`);
      return 69;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
