#!/usr/bin/env bash
# The kernel's TCP counters every tenth of a second, stamped with the wall
# clock, until killed. Run it beside bench/attachments.sh to see when
# connections open (TcpActiveOpens: the uploads' burst opens fifty at once)
# and when segments are retransmitted or tail-loss probes fire, to set
# against the slow tenths of chat. Only counters that moved are printed.
#
#   bash bench/nstat-every-tenth.sh > nstat.txt &  ...  kill %1
set -u
nstat -n >/dev/null
while true; do
  t=$(date +%s.%N)
  nstat TcpActiveOpens TcpRetransSegs TcpExtTCPLossProbes TcpExtTCPTimeouts TcpExtPruneCalled TcpExtTCPFastRetrans 2>/dev/null |
    awk -v t="$t" 'NR > 1 && $2 > 0 {printf "%s %s %s\n", t, $1, $2}'
  sleep 0.1
done
