using Microsoft.Extensions.Logging;

namespace ActorDispatch.Transports.Webhooks;

/// <summary>
/// Programmatic settings of a <see cref="WebhooksTransport"/> that HOCON cannot carry (a logger) or
/// that a host prefers to build in code (TLS configurations). Everything else is configured in
/// HOCON under <c>actordispatch.transports.webhooks</c>; see <see cref="WebhooksTransport.InitConfig"/>.
/// </summary>
public sealed class WebhooksTransportOptions
{
    /// <summary>
    /// Named TLS configurations that subscriptions select with <c>tlsConfigName</c>. A name defined
    /// here replaces one of the same name in HOCON (<c>tls.&lt;name&gt; { ca-file, cert-file, key-file, insecure-skip-verify }</c>).
    /// </summary>
    public IDictionary<string, WebhookTlsConfig> TlsConfigs { get; } = new Dictionary<string, WebhookTlsConfig>(StringComparer.Ordinal);

    /// <summary>Where the transport logs failed deliveries and retries; nothing is logged when null.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// Loopback and private ranges webhooks may reach (comma-separated CIDRs, e.g. <c>10.0.0.0/8</c>);
    /// replaces HOCON's <c>egress-allow</c> when set. Public addresses are always allowed, link-local
    /// and multicast ones never (see <see cref="EgressPolicy"/>).
    /// </summary>
    public string? EgressAllow { get; set; }
}

/// <summary>
/// A named TLS configuration for outgoing webhook requests, as FireFly's <c>tls.*</c> settings.
/// Files are PEM and are read once, when the transport starts, so that a broken path fails the
/// start rather than every delivery.
/// </summary>
/// <param name="CaFile">CA certificates that alone are trusted for the server's chain (replacing the system's roots), or null for the system's.</param>
/// <param name="CertFile">Client certificate for mutual TLS; needs <paramref name="KeyFile"/>.</param>
/// <param name="KeyFile">Private key of <paramref name="CertFile"/>.</param>
/// <param name="InsecureSkipVerify">Accept any server certificate. For tests only: it disables authentication of the server.</param>
public sealed record WebhookTlsConfig(string? CaFile = null, string? CertFile = null, string? KeyFile = null, bool InsecureSkipVerify = false);
