import {
  canonicalIp,
  countReservedPorts,
  parseFibTrieLocal,
  parseMemAvailable,
  parseNetTcp,
  parseNofile,
  parsePortRange,
  parseProcStatTotals,
  parseStatProcess,
  parseSsBacklog,
  parseStatCpuTicks,
  parseTcpExt,
} from './proc-files';

// Captured from this project's Debian 12 machine (kernel 6.x).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:075B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 58967 1 0000000053918569 100 0 0 10 0
   1: 0501017F:9C41 0100007F:075B 01 00000000:00000000 00:00000000 00000000     0        0 91234 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:8002 0100007F:075B 06 00000000:00000000 03:000016E4 00000000     0        0 0 3 0000000000000000
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:A42D 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 909830 1 00000000fc68156b 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:075B 0000000000000000FFFF00000100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 20 4 30 10 -1
   2: 00000000000000000000000001000000:075B 00000000000000000000000001000000:C351 01 00000000:00000000 00:00000000 00000000     0        0 778 1 0000000000000000 20 4 30 10 -1
`;

describe('proc files', () => {
  it('reads sockets of /proc/net/tcp with addresses, ports, states and inodes', () => {
    expect(parseNetTcp(TCP)).toEqual([
      {
        local: { ip: '127.0.0.1', port: 1883 },
        remote: { ip: '0.0.0.0', port: 0 },
        state: 'LISTEN',
        inode: 58967,
      },
      {
        local: { ip: '127.1.1.5', port: 40001 },
        remote: { ip: '127.0.0.1', port: 1883 },
        state: 'ESTABLISHED',
        inode: 91234,
      },
      {
        local: { ip: '127.0.0.1', port: 32770 },
        remote: { ip: '127.0.0.1', port: 1883 },
        state: 'TIME_WAIT',
        inode: 0,
      },
    ]);
  });

  it('reads tcp6 with the wildcard and IPv4-mapped addresses in their short forms', () => {
    const [listen, mapped, v6] = parseNetTcp(TCP6);
    expect(listen.local).toEqual({ ip: '::', port: 42029 });
    expect(mapped.local).toEqual({ ip: '127.0.0.1', port: 1883 });
    expect(mapped.remote).toEqual({ ip: '127.0.0.1', port: 50000 });
    // As a broker URL writes it (mqtt://[::1]:1883), so the preflight finds its sockets.
    expect(v6.local).toEqual({ ip: '::1', port: 1883 });
  });

  it('writes IPv6 addresses in their canonical form and leaves other text alone', () => {
    expect(canonicalIp('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(canonicalIp('2001:DB8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIp('127.0.0.1')).toBe('127.0.0.1');
    expect(canonicalIp('broker.local')).toBe('broker.local');
  });

  it('finds the addresses a namespace owns in fib_trie', () => {
    const trie = `Main:
  +-- 0.0.0.0/0 3 0 4
     +-- 127.0.0.0/8 2 0 2
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
        |-- 127.255.255.255
           /32 link BROADCAST
           |-- 172.17.0.2
              /32 host LOCAL
`;
    expect([...parseFibTrieLocal(trie)].sort()).toEqual(['127.0.0.1', '172.17.0.2']);
  });

  it('reads limits, memory, the port range and reserved ports', () => {
    const limits = 'Max open files            20000                20000                files\n';
    expect(parseNofile(limits)).toEqual({ soft: 20000, hard: 20000 });
    expect(parseNofile('Max open files  unlimited unlimited files')?.soft).toBe(Infinity);
    expect(parseMemAvailable('MemTotal: 100 kB\nMemAvailable:   2048 kB\n')).toBe(2048 * 1024);
    expect(parsePortRange('32768\t60999\n')).toEqual({ low: 32768, high: 60999 });
    expect(countReservedPorts('8080,32000-32800,61000\n', 32768, 60999)).toBe(33);
    expect(countReservedPorts('\n', 32768, 60999)).toBe(0);
  });

  it('reads CPU ticks of /proc/<pid>/stat even with spaces and parentheses in the name', () => {
    const stat =
      '4242 (node (x) y) S 1 4242 1 0 -1 4194560 100 0 0 0 1234 567 0 0 20 0 11 0 99 1 2';
    expect(parseStatCpuTicks(stat)).toBe(1234 + 567);
    expect(parseStatProcess(stat)).toEqual({
      comm: 'node (x) y',
      ppid: 1,
      ticks: 1234 + 567,
      childTicks: 0,
      started: 99,
    });
    expect(parseStatProcess('garbage')).toBeUndefined();
    expect(parseProcStatTotals('cpu  100 5 50 800 20 1 4 0 0 0\ncpu0 1 2 3 4\n')).toEqual({
      busy: 160,
      total: 980,
      interrupts: 5,
      steal: 0,
    });
  });
});

describe('network counters', () => {
  it('reads TcpExt counters and a listener backlog from ss', () => {
    const netstat =
      'TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPSynRetrans\nTcpExt: 0 1813 1813 1554\nIpExt: InNoRoutes\nIpExt: 0\n';
    expect(parseTcpExt(netstat)).toEqual({
      SyncookiesSent: 0,
      ListenOverflows: 1813,
      ListenDrops: 1813,
      TCPSynRetrans: 1554,
    });
    const ss =
      'LISTEN 0      511        127.0.0.1:6379      0.0.0.0:*\nLISTEN 0      100        127.0.0.1:1883      0.0.0.0:*\n';
    expect(parseSsBacklog(ss, '127.0.0.1', 1883)).toBe(100);
    expect(parseSsBacklog('LISTEN 0 4096 *:1883 *:*', '172.17.0.2', 1883)).toBe(4096);
    expect(parseSsBacklog(ss, '127.0.0.1', 1884)).toBeUndefined();
  });
});
