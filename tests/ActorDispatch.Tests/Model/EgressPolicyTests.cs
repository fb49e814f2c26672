using System.Net;
using ActorDispatch.Transports;

namespace ActorDispatch.Tests.Model;

/// <summary>The egress rules, on addresses only: nothing here connects anywhere.</summary>
public sealed class EgressPolicyTests
{
    [Theory]
    [InlineData("169.254.169.254")] // cloud metadata
    [InlineData("169.254.0.1")]
    [InlineData("fe80::1")]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("224.0.0.251")]
    [InlineData("ff02::1")]
    [InlineData("255.255.255.255")]
    [InlineData("::ffff:169.254.169.254")]
    public void Link_local_unspecified_multicast_and_broadcast_are_never_allowed_even_when_listed(string address)
    {
        var listed = EgressPolicy.Parse("0.0.0.0/0, ::/0", "egress");
        Assert.NotNull(listed.Refusal(IPAddress.Parse(address)));
        Assert.NotNull(EgressPolicy.Default.Refusal(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.0/8")]
    [InlineData("::1", "::1/128")]
    [InlineData("10.20.30.40", "10.0.0.0/8")]
    [InlineData("172.16.0.1", "172.16.0.0/12")]
    [InlineData("172.31.255.255", "172.16.0.0/12")]
    [InlineData("192.168.1.1", "192.168.0.0/16")]
    [InlineData("100.64.0.1", "100.64.0.0/10")]
    [InlineData("fd12:3456::1", "fc00::/7")]
    [InlineData("::ffff:10.0.0.1", "10.0.0.0/8")]
    public void Loopback_and_private_ranges_are_allowed_only_when_listed(string address, string range)
    {
        var ip = IPAddress.Parse(address);
        Assert.Contains("allow list", EgressPolicy.Default.Refusal(ip));
        Assert.Null(EgressPolicy.Parse(range, "egress").Refusal(ip));
        Assert.NotNull(EgressPolicy.Parse("203.0.113.0/24", "egress").Refusal(ip)); // listing another range does not do
    }

    [Theory]
    [InlineData("203.0.113.7")]
    [InlineData("172.32.0.1")]
    [InlineData("2001:db8::1")]
    public void Other_addresses_are_public_and_allowed(string address) =>
        Assert.Null(EgressPolicy.Default.Refusal(IPAddress.Parse(address)));

    [Fact]
    public void Only_the_allowed_addresses_of_a_name_are_kept_in_order()
    {
        var policy = EgressPolicy.Parse("10.0.0.0/8", "egress");
        var addresses = new[] { "169.254.1.1", "10.0.0.2", "192.168.0.1", "203.0.113.1" }.Select(IPAddress.Parse);
        Assert.Equal(["10.0.0.2", "203.0.113.1"], policy.Allowed(addresses).Select(a => a.ToString()));
    }

    [Fact]
    public void A_range_that_is_not_a_cidr_is_refused_naming_the_setting()
    {
        var ex = Assert.Throws<ActorDispatchException>(() => EgressPolicy.Parse("10.0.0.0/8, intranet", "ActorDispatch:Egress:Allow"));
        Assert.Contains("'ActorDispatch:Egress:Allow'", ex.Message);
        Assert.Contains("'intranet'", ex.Message);
    }
}
