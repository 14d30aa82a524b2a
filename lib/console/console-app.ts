// The web console of `scirocco serve --console`: the queue live, built on the package's own
// client (its promise API on the fetch transport, without the reactive methods a console does
// not use) and the watchSummary stream, with no framework. Everything the queue holds is shown
// as text (textContent), never as HTML.
import type { Subscription } from 'rxjs';
import type { ClientCore } from '../client/client-core.js';
import { createClientCore } from '../client/create-client-core.js';
import { fetchTransport } from '../client/fetch-transport.js';
import type { SciroccoError } from '../client/scirocco-error.js';
import type { SciroccoMessage } from '../protocol/message-metadata.js';
import { watchSummary } from '../rx/watch-summary.js';
import type { NodeSummary, QueueSummary } from '../protocol/queue-summary.js';
import type { MessageStatus } from '../protocol/message-status.js';
import { confirmAction } from './confirm-dialog.js';
import { byId, el, replace } from './dom.js';
import { flowRate, keepRates, type FlowRate } from './flow-rates.js';
import { formatAge, formatPayload, formatSize } from './format-payload.js';
import { drawRates, formatRate } from './rate-chart.js';

/** The node the console asks the summary as (any node may). */
const CONSOLE_NODE = 'c0501e';
/** How many rates the chart shows: a minute at one summary a second. */
const CHART_RATES = 60;
const TOKEN_KEY = 'scirocco-console-token';
const STATUSES: readonly MessageStatus[] = ['scheduled', 'pending', 'processing', 'processed'];

/** What the user should read for a failed call. */
function explain(error: SciroccoError): string {
  if (error.kind === 'auth') return 'The server refused this token (403 Incorrect auth token).';
  if (error.kind === 'network' || error.kind === 'timeout')
    return `The server cannot be reached: ${error.message}`;
  if (error.kind === 'not-found' && error.operation === 'summary') {
    return 'This server has no summary extension: the console needs scirocco serve (of scirocco-rx).';
  }
  return error.message;
}

function start(): void {
  const live = byId('live', HTMLParagraphElement);
  const loginSection = byId('login', HTMLElement);
  const loginForm = byId('login-form', HTMLFormElement);
  const tokenInput = byId('token', HTMLInputElement);
  const loginError = byId('login-error', HTMLParagraphElement);
  const signOut = byId('sign-out', HTMLButtonElement);
  const app = byId('app', HTMLDivElement);
  const nodesBody = byId('nodes', HTMLTableElement).tBodies[0] as HTMLTableSectionElement;
  const totals = byId('totals', HTMLParagraphElement);
  const ratesText = byId('rates', HTMLParagraphElement);
  const chart = document.getElementById('chart') as unknown as SVGSVGElement;
  const chartTop = byId('chart-top', HTMLSpanElement);
  const filters = byId('filters', HTMLFormElement);
  const filterNode = byId('filter-node', HTMLSelectElement);
  const filterStatus = byId('filter-status', HTMLSelectElement);
  const listNote = byId('list-note', HTMLParagraphElement);
  const messagesBody = byId('messages', HTMLTableElement).tBodies[0] as HTMLTableSectionElement;
  const detail = byId('detail', HTMLElement);
  const metadataList = byId('metadata', HTMLElement);
  const payloadView = byId('payload', HTMLPreElement);
  const actions = byId('actions', HTMLDivElement);
  const pushForm = byId('push-form', HTMLFormElement);
  const outcome = byId('outcome', HTMLParagraphElement);
  const dialog = byId('confirm', HTMLDialogElement);

  let token: string | undefined;
  let clients = new Map<string, ClientCore>();
  let watching: Subscription | undefined;
  let last: QueueSummary | undefined;
  let rates: FlowRate[] = [];
  let nack = false;
  /** The message shown in detail, by id, refreshed with the list. */
  let shown: string | undefined;
  let listing = 0;
  /** The sign-in under way: a later one (or a sign-out) makes an earlier one stop. */
  let connecting = 0;

  /** The client of `node` (the one that may ack, nack or delete as it). */
  const clientOf = (node: string): ClientCore => {
    let client = clients.get(node);
    if (!client && token !== undefined) {
      client = createClientCore({ url: location.origin, node, token, timeout: 10_000 }, () =>
        fetchTransport(),
      );
      clients.set(node, client);
    }
    if (!client) throw new Error('console: not connected');
    return client;
  };

  const say = (text: string, error = false) => {
    outcome.textContent = text;
    outcome.className = error ? 'error' : '';
  };

  const renderNodes = (nodes: readonly NodeSummary[]) => {
    replace(
      nodesBody,
      ...nodes.map((node) =>
        el(
          'tr',
          {},
          el(
            'th',
            { scope: 'row' },
            el('button', { type: 'button', class: 'secondary', 'data-node': node.node }, node.node),
          ),
          ...STATUSES.map((status) => el('td', { class: 'number' }, String(node.counts[status]))),
          el('td', { class: 'number' }, formatAge(node.oldestPendingAgeMs)),
          el('td', { class: 'number' }, formatAge(node.oldestProcessingAgeMs)),
        ),
      ),
    );
    if (nodes.length === 0) replace(nodesBody, el('tr', {}, el('td', { colspan: '7' }, 'No messages yet.')));
    // The node filter offers every destination, keeping the one chosen.
    const chosen = filterNode.value;
    const names = [...new Set([...nodes.map((node) => node.node), ...(chosen ? [chosen] : [])])].sort();
    replace(
      filterNode,
      ...names.map((name) => el('option', { value: name, selected: name === chosen }, name)),
    );
  };

  const renderSummary = (summary: QueueSummary) => {
    const previous = last;
    last = summary;
    renderNodes(summary.nodes);
    const { pushed, claimed, acked, nacked, recovered } = summary.totals;
    totals.textContent = `Since the server started: ${String(pushed)} pushed, ${String(claimed)} claimed, ${String(acked)} acked, ${String(nacked)} nacked, ${String(recovered)} recovered.`;
    if (previous) {
      rates = keepRates(rates, flowRate(previous, summary), CHART_RATES);
      const now = rates.at(-1);
      if (now) {
        ratesText.textContent = `${formatRate(now.pushedPerSecond)} pushed/s, ${formatRate(now.ackedPerSecond)} acked/s`;
      }
      chartTop.textContent = `${formatRate(drawRates(chart, rates, CHART_RATES))}/s`;
    }
    if (previous?.version !== summary.version && filterNode.value !== '') void list();
  };

  const showDetail = (message: SciroccoMessage) => {
    shown = message.metadata.id;
    detail.hidden = false;
    const { metadata } = message;
    const fields: [string, string][] = [
      ['Id', metadata.id],
      ['From', metadata.nodeSource],
      ['To', metadata.nodeDestination],
      ['Status', metadata.status],
      ['Tries', String(metadata.tries)],
      ['Payload type', metadata.payloadType],
      ['Created', metadata.createdTime.toISOString()],
      ...(metadata.scheduledTime
        ? [['Scheduled', metadata.scheduledTime.toISOString()] as [string, string]]
        : []),
      ...(metadata.processingTime
        ? [['Claimed', metadata.processingTime.toISOString()] as [string, string]]
        : []),
      ...(metadata.processedTime
        ? [['Processed', metadata.processedTime.toISOString()] as [string, string]]
        : []),
      ...(metadata.updateTime ? [['Updated', metadata.updateTime.toISOString()] as [string, string]] : []),
    ];
    replace(metadataList, ...fields.flatMap(([name, value]) => [el('dt', {}, name), el('dd', {}, value)]));
    const payload = formatPayload(message.payload);
    const size = `${payload.kind === 'json' ? 'JSON' : payload.kind}, ${formatSize(payload.size)}`;
    byId('payload-title', HTMLHeadingElement).textContent =
      `Payload (${size}${payload.truncated ? ', the first 4 kB' : ''})`;
    payloadView.textContent = payload.text;
    const act = (
      label: string,
      question: string,
      run: () => Promise<string | SciroccoError>,
      danger = true,
    ) => {
      const button = el('button', { type: 'button', class: danger ? 'danger' : '' }, label);
      button.addEventListener('click', () => {
        void confirmAction(dialog, question, label).then(async (yes) => {
          if (!yes) return;
          const done = await run();
          if (typeof done === 'string') say(done);
          else say(`${label} failed: ${explain(done)}`, true);
          await list();
        });
      });
      return button;
    };
    const id = metadata.id;
    const buttons: HTMLButtonElement[] = [];
    if (metadata.status === 'processing') {
      buttons.push(
        act(
          'Ack',
          `Ack message ${id}? It becomes processed, whether its consumer processed it or not.`,
          async () => {
            const acked = await clientOf(metadata.nodeDestination).ack(id);
            return acked.isOk() ? `Message ${id} acked.` : acked.error;
          },
        ),
      );
      if (nack) {
        buttons.push(
          act(
            'Requeue',
            `Give message ${id} back to node ${metadata.nodeDestination}'s queue (its tries kept)?`,
            async () => {
              const nacked = await clientOf(metadata.nodeDestination).nack(id);
              return nacked.isOk() ? `Message ${id} is back in the queue.` : nacked.error;
            },
          ),
        );
      }
    }
    if (metadata.status === 'pending' || metadata.status === 'scheduled') {
      buttons.push(
        act('Delete', `Delete message ${id}? This cannot be undone.`, async () => {
          const deleted = await clientOf(metadata.nodeSource).delete(id);
          if (deleted.isErr()) return deleted.error;
          return deleted.value === 1
            ? `Message ${id} deleted.`
            : `Message ${id} was no longer waiting: not deleted.`;
        }),
      );
    }
    replace(actions, ...buttons);
  };

  /** Lists the chosen node's messages (of the chosen status); a later call wins over an earlier. */
  const list = async () => {
    const node = filterNode.value;
    if (node === '') return;
    const status = filterStatus.value;
    const call = ++listing;
    const listed = await clientOf(node).list(status === '' ? {} : { status: status as MessageStatus });
    if (call !== listing) return;
    if (listed.isErr()) {
      listNote.textContent = `The list failed: ${explain(listed.error)}`;
      return;
    }
    const messages = listed.value;
    listNote.textContent = `${String(messages.length)} message${messages.length === 1 ? '' : 's'} of node ${node}${status === '' ? '' : `, ${status}`} (the oldest, at most the server's list limit).`;
    replace(
      messagesBody,
      ...messages.map((message) => {
        const { metadata } = message;
        const open = el(
          'button',
          { type: 'button', class: 'secondary id', 'aria-label': `Message ${metadata.id}` },
          metadata.id,
        );
        open.addEventListener('click', () => {
          showDetail(message);
          detail.scrollIntoView({ block: 'nearest' });
        });
        return el(
          'tr',
          { 'data-id': metadata.id, 'data-status': metadata.status },
          el('td', {}, open),
          el('td', {}, `${metadata.nodeSource} → ${metadata.nodeDestination}`),
          el('td', {}, metadata.status),
          el('td', {}, metadata.payloadType),
          el('td', {}, metadata.createdTime.toISOString().replace('T', ' ').slice(0, 19)),
          el('td', { class: 'number' }, String(metadata.tries)),
        );
      }),
    );
    const again = messages.find((message) => message.metadata.id === shown);
    if (again) showDetail(again);
  };

  const disconnect = (why?: string) => {
    connecting++;
    watching?.unsubscribe();
    watching = undefined;
    for (const client of clients.values()) client.close();
    clients = new Map();
    token = undefined;
    last = undefined;
    rates = [];
    sessionStorage.removeItem(TOKEN_KEY);
    app.hidden = true;
    signOut.hidden = true;
    loginSection.hidden = false;
    live.textContent = 'Not connected';
    live.className = '';
    loginError.textContent = why ?? '';
    tokenInput.focus();
  };

  const connect = async (candidate: string) => {
    // A sign-in made while another is under way, or a sign-out meanwhile, wins over it.
    disconnect();
    const attempt = ++connecting;
    token = candidate;
    live.textContent = 'Connecting…';
    const client = clientOf(CONSOLE_NODE);
    const first = await client.summary();
    if (attempt !== connecting) return;
    if (first.isErr()) {
      disconnect(explain(first.error));
      return;
    }
    const offered = await client.extensions();
    if (attempt !== connecting) return;
    nack = offered.isOk() && offered.value.nack;
    sessionStorage.setItem(TOKEN_KEY, candidate);
    loginSection.hidden = true;
    app.hidden = false;
    signOut.hidden = false;
    renderSummary(first.value);
    if (filterNode.value !== '') void list();
    watching = watchSummary(
      (options) => client.summary({ ...options, since: options.since ?? first.value.version }),
      {
        intervalMs: 1_000,
        waitMs: 1_000,
        backoff: { initial: 500, max: 5_000 },
        onRetry: (error) => {
          live.textContent = `Reconnecting: ${explain(error)}`;
          live.className = '';
        },
      },
    ).subscribe({
      next: (summary) => {
        live.textContent = `Live, version ${String(summary.version)}`;
        live.className = 'on';
        renderSummary(summary);
      },
      error: (error: SciroccoError) => {
        disconnect(explain(error));
      },
    });
  };

  loginForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void connect(tokenInput.value);
    tokenInput.value = '';
  });
  signOut.addEventListener('click', () => {
    disconnect();
  });
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    void list();
  });
  nodesBody.addEventListener('click', (event) => {
    const node = (event.target as Element).closest('button')?.getAttribute('data-node');
    if (!node) return;
    filterNode.value = node;
    void list();
  });
  pushForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(pushForm);
    const field = (name: string) => {
      const value = data.get(name);
      return typeof value === 'string' ? value.trim() : '';
    };
    let payload: unknown = field('payload');
    if (field('format') === 'json') {
      try {
        payload = JSON.parse(field('payload'));
      } catch (error) {
        say(`The payload is not JSON: ${(error as Error).message}`, true);
        return;
      }
    }
    const type = field('type');
    void clientOf(field('from'))
      .push(field('to'), payload as object | string, type === '' ? {} : { payloadType: type })
      .then((pushed) => {
        if (pushed.isOk())
          say(`Pushed message ${pushed.value.metadata.id} to node ${pushed.value.metadata.nodeDestination}.`);
        else say(`The push failed: ${explain(pushed.error)}`, true);
      });
  });

  const kept = sessionStorage.getItem(TOKEN_KEY);
  if (kept !== null) void connect(kept);
  else tokenInput.focus();
}

start();
