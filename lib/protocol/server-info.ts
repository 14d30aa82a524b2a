/** The body of `GET /`, as the original server answers it. */
export const SERVER_INFO = Object.freeze({
  name: 'DDS endpoint.',
  author: 'eloylp',
  source: 'https://github.com/eloylp/scirocco-server',
});
