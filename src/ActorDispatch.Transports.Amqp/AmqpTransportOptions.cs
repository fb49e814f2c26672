using Microsoft.Extensions.Logging;

namespace ActorDispatch.Transports.Amqp;

/// <summary>
/// Programmatic settings of an <see cref="AmqpTransport"/> that HOCON cannot carry (a logger) or that
/// a host takes from its own configuration. Everything else is configured in HOCON under
/// <c>actordispatch.transports.amqp</c>; see <see cref="AmqpTransport.InitConfig"/>.
/// </summary>
public sealed class AmqpTransportOptions
{
    /// <summary>Where the transport logs connects, disconnects and failed publishes; nothing is logged when null.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The broker (<c>amqp://user:pass@host:5672/vhost</c> or <c>amqps://…</c>); replaces HOCON's <c>uri</c> when set.</summary>
    public string? Uri { get; set; }

    /// <summary>
    /// Loopback and private ranges the broker may be in (comma-separated CIDRs, e.g. <c>10.0.0.0/8</c>);
    /// replaces HOCON's <c>egress-allow</c> when set (see <see cref="EgressPolicy"/>).
    /// </summary>
    public string? EgressAllow { get; set; }
}
