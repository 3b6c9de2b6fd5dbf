package dev.hmd.http;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

/**
 * Which addresses a webhook, a gate or a smoke test may connect to when private addresses are refused: public unicast
 * only. Everything in the IANA IPv4 and IPv6 special-purpose address registries is refused (even
 * the few entries marked globally reachable: AS112, AMT, PCP and TURN anycast are no webhook
 * receivers), and so is IPv6 outside global unicast (2000::/3). IPv6 forms that carry an IPv4
 * address are judged by that address, because connecting to them reaches it: IPv4-mapped,
 * NAT64's well-known prefix and 6to4. The deprecated or local-only forms (IPv4-compatible,
 * local-use NAT64, Teredo) are refused whatever they carry.
 *
 * <p>Pure: no resolution here; callers resolve a host once and judge every address it has.
 */
public final class PublicAddresses {

  /** A range and what it is, for the refusal message. */
  private record Block(byte[] prefix, int bits, String name) {
    boolean contains(byte[] address) {
      if (address.length != prefix.length) {
        return false;
      }
      int whole = bits / 8;
      for (int i = 0; i < whole; i++) {
        if (address[i] != prefix[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (address[whole] & mask) == (prefix[whole] & mask);
    }
  }

  /** The IANA IPv4 special-purpose registry, plus multicast. */
  private static final List<Block> IPV4 = List.of(
    block("0.0.0.0/8", "\"this network\""),
    block("10.0.0.0/8", "private"),
    block("100.64.0.0/10", "shared address space (carrier-grade NAT)"),
    block("127.0.0.0/8", "loopback"),
    block("169.254.0.0/16", "link-local (cloud metadata)"),
    block("172.16.0.0/12", "private"),
    block("192.0.0.0/24", "IETF protocol assignments"),
    block("192.0.2.0/24", "documentation"),
    block("192.31.196.0/24", "AS112"),
    block("192.52.193.0/24", "AMT"),
    block("192.88.99.0/24", "6to4 relay anycast"),
    block("192.168.0.0/16", "private"),
    block("192.175.48.0/24", "AS112 direct delegation"),
    block("198.18.0.0/15", "benchmarking"),
    block("198.51.100.0/24", "documentation"),
    block("203.0.113.0/24", "documentation"),
    block("224.0.0.0/4", "multicast"),
    block("240.0.0.0/4", "reserved"));

  /**
   * The IANA IPv6 special-purpose registry and the deprecated ranges, checked in order after the
   * forms that carry an IPv4 address; Teredo comes before the IETF block that holds it, for a
   * clearer reason.
   */
  private static final List<Block> IPV6 = List.of(
    block("::/128", "unspecified"),
    block("::1/128", "loopback"),
    block("::/96", "IPv4-compatible (deprecated)"),
    block("64:ff9b:1::/48", "local-use IPv4/IPv6 translation"),
    block("100::/64", "discard-only"),
    block("100:0:0:1::/64", "dummy prefix"),
    block("2001::/32", "Teredo"),
    block("2001::/23", "IETF protocol assignments"),
    block("2001:db8::/32", "documentation"),
    block("2620:4f:8000::/48", "AS112 direct delegation"),
    block("3fff::/20", "documentation"),
    block("5f00::/16", "segment routing"),
    block("fc00::/7", "unique-local"),
    block("fe80::/10", "link-local"),
    block("fec0::/10", "site-local (deprecated)"),
    block("ff00::/8", "multicast"));

  private static final Block MAPPED = block("::ffff:0:0/96", "IPv4-mapped");
  private static final Block NAT64 = block("64:ff9b::/96", "NAT64");
  private static final Block SIX_TO_FOUR = block("2002::/16", "6to4");
  private static final Block GLOBAL_UNICAST = block("2000::/3", "global unicast");

  private PublicAddresses() {
  }

  /** Whether a webhook may connect to {@code address} when private addresses are refused. */
  public static boolean isPublic(InetAddress address) {
    return whyNot(address).isEmpty();
  }

  /** Why {@code address} is not public unicast (say "loopback", or "6to4 of 127.0.0.1, loopback"); empty when it is. */
  public static Optional<String> whyNot(InetAddress address) {
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      return IPV4.stream().filter(block -> block.contains(b)).findFirst().map(Block::name);
    }
    if (!(address instanceof Inet6Address)) {
      return Optional.of("not an IP address");
    }
    if (MAPPED.contains(b)) {
      return embedded(MAPPED, b, 12);
    }
    if (NAT64.contains(b)) {
      return embedded(NAT64, b, 12);
    }
    if (SIX_TO_FOUR.contains(b)) {
      return embedded(SIX_TO_FOUR, b, 2);
    }
    Optional<String> special = IPV6.stream().filter(block -> block.contains(b)).findFirst().map(Block::name);
    if (special.isPresent()) {
      return special;
    }
    return GLOBAL_UNICAST.contains(b) ? Optional.empty() : Optional.of("not global unicast (outside 2000::/3)");
  }

  /** The IPv4 address at {@code offset} decides: the form reaches it. */
  private static Optional<String> embedded(Block form, byte[] b, int offset) {
    byte[] v4 = {b[offset], b[offset + 1], b[offset + 2], b[offset + 3]};
    try {
      InetAddress inner = InetAddress.getByAddress(v4);
      return whyNot(inner).map(why -> form.name() + " of " + inner.getHostAddress() + ", " + why);
    } catch (UnknownHostException e) {
      return Optional.of(form.name());
    }
  }

  private static Block block(String cidr, String name) {
    int slash = cidr.indexOf('/');
    try {
      // literals only: getByName does not resolve them. An IPv4-mapped literal would come back as
      // an Inet4Address, so that prefix is built by hand.
      String literal = cidr.substring(0, slash);
      byte[] prefix = literal.equals("::ffff:0:0") ? mappedPrefix() : InetAddress.getByName(literal).getAddress();
      return new Block(prefix, Integer.parseInt(cidr.substring(slash + 1)), name);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(cidr, e);
    }
  }

  private static byte[] mappedPrefix() {
    byte[] prefix = new byte[16];
    prefix[10] = (byte) 0xff;
    prefix[11] = (byte) 0xff;
    return prefix;
  }
}
