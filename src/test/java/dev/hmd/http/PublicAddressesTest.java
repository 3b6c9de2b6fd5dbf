package dev.hmd.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which addresses a webhook may reach with private addresses refused: every special-purpose range
 * of the IANA registries, and every IPv6 form that carries an IPv4 address, as a table.
 */
class PublicAddressesTest {

  static Stream<Arguments> refused() {
    return Stream.of(
      // the forms of the probe that found the bypass
      Arguments.of("::127.0.0.1", "IPv4-compatible"),
      Arguments.of("64:ff9b::127.0.0.1", "NAT64 of 127.0.0.1, loopback"),
      Arguments.of("2002:7f00:1::", "6to4 of 127.0.0.1, loopback"),
      // IPv4-mapped, NAT64 (well-known and local-use), 6to4, Teredo, each carrying a private address
      Arguments.of("::ffff:7f00:1", "loopback"),
      Arguments.of("::ffff:169.254.169.254", "link-local"),
      Arguments.of("64:ff9b::a9fe:a9fe", "NAT64 of 169.254.169.254"),
      Arguments.of("64:ff9b::10.0.0.1", "NAT64 of 10.0.0.1, private"),
      Arguments.of("64:ff9b:1::8.8.8.8", "local-use IPv4/IPv6 translation"),
      Arguments.of("2002:a00:1::", "6to4 of 10.0.0.1, private"),
      Arguments.of("2002:a9fe:a9fe::1", "6to4 of 169.254.169.254"),
      Arguments.of("2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo"),
      Arguments.of("::8.8.8.8", "IPv4-compatible"),
      // IPv4 special-purpose registry
      Arguments.of("0.1.2.3", "this network"),
      Arguments.of("10.255.0.1", "private"),
      Arguments.of("100.64.0.1", "carrier-grade NAT"),
      Arguments.of("100.127.255.254", "carrier-grade NAT"),
      Arguments.of("127.1.2.3", "loopback"),
      Arguments.of("169.254.169.254", "link-local"),
      Arguments.of("172.31.255.255", "private"),
      Arguments.of("192.0.0.9", "IETF protocol assignments"),
      Arguments.of("192.0.2.1", "documentation"),
      Arguments.of("192.31.196.1", "AS112"),
      Arguments.of("192.52.193.1", "AMT"),
      Arguments.of("192.88.99.1", "6to4 relay anycast"),
      Arguments.of("192.168.0.1", "private"),
      Arguments.of("192.175.48.1", "AS112"),
      Arguments.of("198.18.0.1", "benchmarking"),
      Arguments.of("198.19.255.255", "benchmarking"),
      Arguments.of("198.51.100.1", "documentation"),
      Arguments.of("203.0.113.1", "documentation"),
      Arguments.of("224.0.0.1", "multicast"),
      Arguments.of("239.255.255.250", "multicast"),
      Arguments.of("240.0.0.1", "reserved"),
      Arguments.of("255.255.255.255", "reserved"),
      // IPv6 special-purpose registry and what lies outside global unicast
      Arguments.of("::", "unspecified"),
      Arguments.of("::1", "loopback"),
      Arguments.of("100::1", "discard-only"),
      Arguments.of("100:0:0:1::1", "dummy prefix"),
      Arguments.of("2001:2::1", "IETF protocol assignments"),
      Arguments.of("2001:1::1", "IETF protocol assignments"),
      Arguments.of("2001:20::1", "IETF protocol assignments"),
      Arguments.of("2001:db8::1", "documentation"),
      Arguments.of("2620:4f:8000::1", "AS112"),
      Arguments.of("3fff::1", "documentation"),
      Arguments.of("5f00::1", "segment routing"),
      Arguments.of("fc00::1", "unique-local"),
      Arguments.of("fd12:3456::1", "unique-local"),
      Arguments.of("fe80::1", "link-local"),
      Arguments.of("fec0::1", "site-local"),
      Arguments.of("ff02::1", "multicast"),
      Arguments.of("4000::1", "outside 2000::/3"),
      Arguments.of("1::1", "outside 2000::/3"));
  }

  @ParameterizedTest(name = "{0} is refused: {1}")
  @MethodSource("refused")
  @DisplayName("special-purpose addresses and IPv4-carrying forms of them are refused, with the reason")
  void refusedAddresses(String literal, String reason) throws UnknownHostException {
    InetAddress address = InetAddress.getByName(literal);
    assertThat(PublicAddresses.whyNot(address)).as(literal).hasValueSatisfying(why -> assertThat(why).contains(reason));
    assertThat(PublicAddresses.isPublic(address)).as(literal).isFalse();
  }

  @ParameterizedTest(name = "{0} is public")
  @MethodSource("allowed")
  @DisplayName("public unicast addresses pass, also as IPv4-mapped, NAT64 or 6to4 forms of a public IPv4 address")
  void publicAddresses(String literal) throws UnknownHostException {
    assertThat(PublicAddresses.whyNot(InetAddress.getByName(literal))).as(literal).isEmpty();
  }

  static Stream<String> allowed() {
    return Stream.of("1.1.1.1", "8.8.8.8", "104.16.0.1", "172.32.0.1", "100.128.0.1", "192.0.1.1", "198.20.0.1",
      "223.255.255.254", "2606:4700::1111", "2a00:1450:4001::1", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8",
      "2002:808:808::1", "2001:200::1");
  }
}
