/** What a Nest application needs for {@link listenOpsPort}: its `listen`. */
export interface Listenable {
  listen(port: number, hostname?: string): Promise<unknown>;
}

/**
 * `app.listen(port, host)` for a service's ops endpoint (health, metrics, the coordinator's API),
 * with the two failures a user can fix named by the variable that chose the port: a port another
 * process holds (EADDRINUSE: another gateway or agent on the host, a port picked before a
 * connection took it as its source port) and a port this user may not open (EACCES, below 1024).
 */
export async function listenOpsPort(app: Listenable, port: number, host?: string): Promise<void> {
  try {
    await (host === undefined ? app.listen(port) : app.listen(port, host));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const on = host === undefined ? '' : ` on ${host}`;
    if (code === 'EADDRINUSE') {
      throw new Error(
        `OPS_PORT ${port} is already in use${on} (another process holds it): set OPS_PORT to a free port`,
      );
    }
    if (code === 'EACCES') {
      throw new Error(
        `OPS_PORT ${port} may not be opened by this user${on}: set OPS_PORT to a port above 1023`,
      );
    }
    throw err;
  }
}
