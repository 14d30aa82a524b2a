// A node's readings as signals: consumed while the component lives, paused while the page is
// hidden, stopped gracefully when the component is destroyed.
import { ChangeDetectionStrategy, Component } from '@angular/core';
import { queueSignals } from 'scirocco-rx/angular';
import { createClient } from 'scirocco-rx/browser';

interface Reading {
  readonly celsius: number;
}

@Component({
  selector: 'app-readings',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Readings of node b2</h1>
    <p role="status">
      {{ queue.state() }}: {{ queue.counts().acked }} acked, {{ queue.counts().inFlight }} in flight
    </p>
    <ul>
      @for (message of queue.messages(); track message.metadata.id) {
        <li>{{ message.payload.celsius }} °C at {{ message.metadata.createdTime.toLocaleTimeString() }}</li>
      }
    </ul>
  `,
})
export class ReadingsComponent {
  // '/scirocco' goes through the development server's proxy (proxy.conf.json) to `scirocco serve`.
  readonly queue = queueSignals<Reading>({
    client: createClient({ url: '/scirocco', node: 'b2', token: 'DEFAULT_TOKEN' }),
    keep: 10,
  });
}
