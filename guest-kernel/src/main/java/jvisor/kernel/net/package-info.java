/**
 * Sockets: AF_UNIX in the kernel ({@link jvisor.kernel.net.UnixSocket}), AF_INET and AF_INET6
 * through Java NIO channels ({@link jvisor.kernel.net.TcpSocket}, {@link jvisor.kernel.net.UdpSocket}),
 * the address codecs, and the open file description every socket shares ({@link jvisor.kernel.net.SocketFile}).
 */
package jvisor.kernel.net;
