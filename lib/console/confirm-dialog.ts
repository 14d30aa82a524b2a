/**
 * Asks `question` in the page's modal dialog (its own buttons, focus kept inside, Escape
 * cancels): resolves to whether the user confirmed.
 */
export function confirmAction(
  dialog: HTMLDialogElement,
  question: string,
  confirmLabel: string,
): Promise<boolean> {
  const text = dialog.querySelector('.question');
  const confirm = dialog.querySelector<HTMLButtonElement>('button[value="confirm"]');
  if (text) text.textContent = question;
  if (confirm) confirm.textContent = confirmLabel;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        resolve(dialog.returnValue === 'confirm');
      },
      { once: true },
    );
    dialog.showModal();
    dialog.querySelector<HTMLButtonElement>('button[value="cancel"]')?.focus();
  });
}
