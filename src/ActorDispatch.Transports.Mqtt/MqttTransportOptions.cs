using Microsoft.Extensions.Logging;

namespace ActorDispatch.Transports.Mqtt;

/// <summary>
/// Programmatic settings of a <see cref="MqttTransport"/>: a logger, and overrides of HOCON's
/// <c>actordispatch.transports.mqtt</c> that a host reads from its own configuration (the server's
/// <c>ActorDispatch:Transports:Mqtt:*</c>). A property left null keeps the HOCON value.
/// </summary>
public sealed class MqttTransportOptions
{
    /// <summary>Where the transport logs connects, disconnects and failed publishes; nothing is logged when null.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The broker as <c>host:port</c>; replaces HOCON's <c>server</c> when set.</summary>
    public string? Server { get; set; }

    /// <summary>The user name to log in with; replaces HOCON's <c>username</c> when set.</summary>
    public string? Username { get; set; }

    /// <summary>The password to log in with; replaces HOCON's <c>password</c> when set.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// Loopback and private ranges the broker may be in (comma-separated CIDRs, e.g. <c>10.0.0.0/8</c>);
    /// replaces HOCON's <c>egress-allow</c> when set. Public addresses are always allowed, link-local
    /// and multicast ones never (see <see cref="EgressPolicy"/>).
    /// </summary>
    public string? EgressAllow { get; set; }
}
