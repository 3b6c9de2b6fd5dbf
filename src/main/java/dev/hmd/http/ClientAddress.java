package dev.hmd.http;

import io.vertx.core.net.SocketAddress;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The client a connection comes from, as limits count it: the IPv4 address, or the /64 of an IPv6
 * address (one subscriber's network: counting single IPv6 addresses would give anyone 2^64 of
 * every limit). Behind a proxy every client is the proxy.
 */
public final class ClientAddress {

  private ClientAddress() {
  }

  public static String of(SocketAddress remote) {
    if (remote == null || remote.hostAddress() == null) {
      return "unknown";
    }
    String host = remote.hostAddress();
    if (host.indexOf(':') < 0) {
      return host;
    }
    try {
      // a literal: no lookup; an IPv4-mapped one comes back as the IPv4 address
      InetAddress address = InetAddress.getByName(host);
      if (!(address instanceof Inet6Address)) {
        return address.getHostAddress();
      }
      byte[] b = address.getAddress();
      return String.format("%x:%x:%x:%x::/64", ((b[0] & 0xff) << 8) | (b[1] & 0xff),
        ((b[2] & 0xff) << 8) | (b[3] & 0xff),
        ((b[4] & 0xff) << 8) | (b[5] & 0xff), ((b[6] & 0xff) << 8) | (b[7] & 0xff));
    } catch (UnknownHostException e) {
      return host;
    }
  }
}
