/**
 * The VS Code side: starts the language server for C and C++ (.h) files,
 * forwards the dma.* settings, shows the server log in an output channel and
 * a status item while a large file is analysed.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6010'] } },
  };
  const output = vscode.window.createOutputChannel('DMA API Assistant');
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'c' },
      { scheme: 'file', language: 'cpp' },
      { scheme: 'untitled', language: 'c' },
    ],
    synchronize: { configurationSection: 'dma' },
    outputChannel: output,
    initializationOptions: { rules: vscode.workspace.getConfiguration('dma').get('rules') ?? {}, trusted: vscode.workspace.isTrusted },
  };
  client = new LanguageClient('dma', 'DMA API Assistant', serverOptions, clientOptions);

  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 0);
  status.text = '$(sync~spin) DMA: analysing';
  status.tooltip = 'DMA API Assistant is analysing a large file';
  context.subscriptions.push(status, output);

  context.subscriptions.push(
    vscode.commands.registerCommand('dma.showRuleDocumentation', async (rule?: string) => {
      const ids = (await vscode.commands.executeCommand<string[]>('dma.internal.ruleIds')) ?? [];
      const picked = rule ?? (await vscode.window.showQuickPick(ids.length ? ids : ruleIdsFromDocs(context), { placeHolder: 'Rule' }));
      if (!picked || !/^[a-z][a-z-]*$/.test(picked)) return;
      const doc = vscode.Uri.file(context.asAbsolutePath(path.join('docs', 'rules', `${picked}.md`)));
      await vscode.commands.executeCommand('markdown.showPreview', doc);
    }),
    vscode.commands.registerCommand('dma.internal.ruleIds', () => ruleIdsFromDocs(context)),
  );

  await client.start();
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void client?.sendNotification('dma/trust', { trusted: true })));
  context.subscriptions.push(
    client.onNotification('dma/status', (p: { busy: boolean }) => {
      if (p.busy) status.show();
      else status.hide();
    }),
  );
}

function ruleIdsFromDocs(context: vscode.ExtensionContext): string[] {
  const pkg = context.extension.packageJSON as { contributes?: { configuration?: { properties?: Record<string, unknown> } } };
  const props = Object.keys(pkg.contributes?.configuration?.properties ?? {});
  return props.filter((p) => p.startsWith('dma.rules.')).map((p) => p.slice('dma.rules.'.length));
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
