using System.Net;
using System.Net.Sockets;

namespace ActorDispatch.Transports;

/// <summary>
/// Where connect-out transports (webhooks, brokers) may connect: checked on every resolved address
/// at connect time, so that a name that resolves somewhere else later (DNS rebinding) does not pass.
/// Never: link-local (169.254.0.0/16, which holds cloud metadata services; fe80::/10), unspecified,
/// multicast and broadcast addresses. Only when listed in the allow list: loopback, 10/8,
/// 172.16/12, 192.168/16, 100.64/10 and fc00::/7. Any other address is public and allowed.
/// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
/// </summary>
public sealed class EgressPolicy
{
    private static readonly IPNetwork[] Never =
        [IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("ff00::/8")];

    private static readonly IPNetwork[] Private =
    [
        IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("fc00::/7"),
    ];

    private readonly IReadOnlyList<IPNetwork> _allowed;

    private EgressPolicy(IReadOnlyList<IPNetwork> allowed) => _allowed = allowed;

    /// <summary>Public addresses only.</summary>
    public static EgressPolicy Default { get; } = new([]);

    /// <summary>
    /// A policy that also allows the private ranges of <paramref name="allow"/> (comma-separated
    /// CIDRs, e.g. <c>10.0.0.0/8, 127.0.0.1/32</c>); an error naming <paramref name="setting"/> otherwise.
    /// </summary>
    public static EgressPolicy Parse(string? allow, string setting)
    {
        var networks = new List<IPNetwork>();
        foreach (var part in (allow ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!IPNetwork.TryParse(part, out var network))
                throw Errors.InvalidField(setting, $"'{part}' is not a CIDR range such as 10.0.0.0/8 or fd00::/8");
            networks.Add(network);
        }
        return networks.Count == 0 ? Default : new EgressPolicy(networks);
    }

    /// <summary>Null when a connection to <paramref name="address"/> is allowed, otherwise why not.</summary>
    public string? Refusal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return $"{address} is the unspecified address";
        if (address.Equals(IPAddress.Broadcast)) return $"{address} is the broadcast address";
        foreach (var never in Never)
        {
            if (never.Contains(address)) return $"{address} is in {never}, which is never allowed (link-local or multicast)";
        }
        foreach (var range in Private)
        {
            if (!range.Contains(address)) continue;
            return _allowed.Any(n => n.Contains(address))
                ? null
                : $"{address} is in {range}, a loopback or private range, which is allowed only when listed in the egress allow list";
        }
        return null;
    }

    /// <summary>The addresses of <paramref name="addresses"/> that may be connected to, in order.</summary>
    public IPAddress[] Allowed(IEnumerable<IPAddress> addresses) => addresses.Where(a => Refusal(a) is null).ToArray();

    /// <summary>
    /// Opens a TCP connection to <paramref name="host"/> (a name or an IP literal) on one of its
    /// addresses that this policy allows, or fails naming why none is.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        var allowed = Allowed(addresses);
        if (allowed.Length == 0)
            throw new HttpRequestException($"egress to '{host}' refused: {(addresses.Length == 0 ? "it has no address" : Refusal(addresses[0]))}");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
