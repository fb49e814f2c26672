using System.Net;
using MQTTnet.Channel;

namespace ActorDispatch.Transports.Mqtt.Publishing;

/// <summary>
/// Opens the TCP connection to the broker through the <see cref="EgressPolicy"/>, which judges every
/// address the broker's name resolves to, on every connect (MQTTnet layers TLS on top of it).
/// </summary>
internal sealed class EgressStreamProvider(EgressPolicy egress) : IMqttClientStreamProvider
{
    public async Task<Stream> ConnectAsync(EndPoint brokerEndPoint, CancellationToken cancellationToken) => brokerEndPoint switch
    {
        DnsEndPoint dns => await egress.ConnectAsync(dns.Host, dns.Port, cancellationToken).ConfigureAwait(false),
        IPEndPoint ip => await egress.ConnectAsync(ip.Address.ToString(), ip.Port, cancellationToken).ConfigureAwait(false),
        _ => throw new NotSupportedException($"cannot connect to a broker at {brokerEndPoint}"),
    };
}
