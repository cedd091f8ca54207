import { defineCommand } from '../command.ts';
import { commandNames, loadCommand } from '../main.ts';

export default defineCommand({
  name: 'help',
  summary: 'list the commands, or show one command\'s usage: ser help <command>',
  usage: 'ser help [command]',
  async run(args, io) {
    if (args[0]) {
      const c = await loadCommand(args[0]);
      if (!c) {
        io.stderr.write(`ser help: unknown command '${args[0]}'\n`);
        return 2;
      }
      io.stdout.write(`${c.usage}\n`);
      return 0;
    }
    const cmds = await Promise.all(commandNames().map(loadCommand));
    const width = Math.max(...cmds.map((c) => c!.name.length));
    io.stdout.write(
      'ser: the ser-pipeline command line (run it as `npx ser …`)\n\n' +
        cmds.map((c) => `  ${c!.name.padEnd(width)}  ${c!.summary}`).join('\n') +
        '\n\n`ser <command> --help` shows a command\'s options. Params: --set key=value (YAML-typed), env SER_SET="k=v;k2=v2".\n',
    );
    return 0;
  },
});
