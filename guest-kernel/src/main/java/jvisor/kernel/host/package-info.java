/** The host C library through FFM downcalls: host fds, clocks, ids, limits, and jvisor's own stderr. */
package jvisor.kernel.host;
