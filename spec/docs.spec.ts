import { Application, ReflectionKind, type DeclarationReflection } from 'typedoc';
import { describe, expect, it } from 'vitest';

/**
 * The API reference builds without warnings (`npm run docs`), and every exported function, class
 * and constant carries a summary and an `@example`.
 */
describe('the API reference', () => {
  it('documents every export, with an example for each function, class and constant', async () => {
    const app = await Application.bootstrap({ treatWarningsAsErrors: true, logLevel: 'Error' });
    const project = await app.convert();
    expect(project, 'typedoc could not convert the project').toBeDefined();
    expect(app.logger.hasErrors() || app.logger.hasWarnings()).toBe(false);
    app.validate(project!);
    expect(app.logger.hasWarnings()).toBe(false);
    const exported = [ReflectionKind.Function, ReflectionKind.Class, ReflectionKind.Variable].flatMap(
      (kind) => project!.getReflectionsByKind(kind),
    );
    const missing = exported
      .filter((reflection) => {
        const signatures =
          'signatures' in reflection
            ? (reflection.signatures as DeclarationReflection['signatures'])
            : undefined;
        const comment = signatures?.[0]?.comment ?? reflection.comment;
        return !comment || comment.summary.length === 0 || !comment.getTag('@example');
      })
      .map((reflection) => reflection.getFullName());
    expect(missing).toEqual([]);
  }, 120_000);
});
