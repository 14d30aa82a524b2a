// Zoneless, Angular 21's default: no zone.js; signals tell Angular what to render again.
import { bootstrapApplication } from '@angular/platform-browser';
import { ReadingsComponent } from './app/readings.component.js';

bootstrapApplication(ReadingsComponent).catch((error: unknown) => {
  console.error(error);
});
