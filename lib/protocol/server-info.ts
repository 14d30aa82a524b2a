/**
 * The body of `GET /`, as the original server answers it.
 *
 * @example
 * ```ts
 * import { SERVER_INFO } from 'scirocco-rx/server';
 *
 * console.log(SERVER_INFO.name); // 'DDS endpoint.'
 * ```
 */
export const SERVER_INFO = Object.freeze({
  name: 'DDS endpoint.',
  author: 'eloylp',
  source: 'https://github.com/eloylp/scirocco-server',
});
