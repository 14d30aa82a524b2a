/**
 * Loads a store's database driver, an optional peer dependency, only when that store is used: a
 * server on the memory store, and every browser or client bundle, never import it. A missing
 * driver gets an error that names the package to install.
 */
export async function loadDriver<T>(name: string, store: string, range: string): Promise<T> {
  let loaded: { default?: unknown };
  try {
    loaded = (await import(name)) as { default?: unknown };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new Error(
        `the ${store} store needs the ${name} package, which is not installed: npm install ${name}@${range}`,
        { cause: error },
      );
    }
    throw error;
  }
  return (loaded.default ?? loaded) as T;
}
