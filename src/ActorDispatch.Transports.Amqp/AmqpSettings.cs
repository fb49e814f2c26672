using System.Collections.Immutable;

namespace ActorDispatch.Transports.Amqp;

/// <summary>
/// The transport's configuration, read once from <c>actordispatch.transports.amqp</c>: where the
/// broker is and how to reach it (credentials and TLS come from here, never from a subscription),
/// how long a confirm may take, and how reconnects back off. The keys and their defaults are
/// declared in one place, <see cref="Declare"/>.
/// </summary>
/// <param name="Uri">The broker, <c>amqp://user:pass@host:port/vhost</c> or <c>amqps://…</c>; null when none is configured.</param>
/// <param name="UserName">Overrides the URI's user when set.</param>
/// <param name="Password">Overrides the URI's password when set.</param>
/// <param name="Tls">TLS to the broker (always on for <c>amqps</c>).</param>
/// <param name="ConfirmTimeout">A publish not confirmed within this fails its delivery.</param>
/// <param name="ConnectionTimeout">The TCP connect and AMQP handshake limit.</param>
/// <param name="Heartbeat">AMQP heartbeat, so that a broker gone silent is noticed.</param>
/// <param name="ReconnectBackoffMin">The first pause before connecting again.</param>
/// <param name="ReconnectBackoffMax">The longest pause before connecting again.</param>
/// <param name="Egress">Where the broker may be (its resolved addresses are checked on every connect).</param>
internal sealed record AmqpSettings(
    Uri? Uri,
    string? UserName,
    string? Password,
    AmqpTlsSettings Tls,
    TimeSpan ConfirmTimeout,
    TimeSpan ConnectionTimeout,
    TimeSpan Heartbeat,
    TimeSpan ReconnectBackoffMin,
    TimeSpan ReconnectBackoffMax,
    EgressPolicy Egress)
{
    public const string UriKey = "uri";
    public const string UserNameKey = "username";
    public const string PasswordKey = "password";
    public const string TlsKey = "tls";
    public const string ConfirmTimeoutKey = "confirm-timeout";
    public const string ConnectionTimeoutKey = "connection-timeout";
    public const string HeartbeatKey = "heartbeat";
    public const string BackoffMinKey = "reconnect-backoff-min";
    public const string BackoffMaxKey = "reconnect-backoff-max";
    public const string EgressAllowKey = "egress-allow";

    private static readonly (string Key, string? Default)[] Known =
    [
        (UriKey, null),
        (UserNameKey, null),
        (PasswordKey, null),
        (TlsKey, null),
        (ConfirmTimeoutKey, "30s"),
        (ConnectionTimeoutKey, "10s"),
        (HeartbeatKey, "10s"),
        (BackoffMinKey, "100ms"),
        (BackoffMaxKey, "10s"),
        (EgressAllowKey, ""),
    ];

    /// <summary>Declares every key with its default.</summary>
    public static void Declare(TransportConfigBuilder config)
    {
        foreach (var (key, value) in Known) config.AddKnownKey(key, value);
    }

    /// <summary>The configuration with every default and nothing overridden.</summary>
    public static TransportConfig DefaultConfig(string transportName) =>
        new(transportName, Known.ToImmutableDictionary(k => k.Key, k => k.Default, StringComparer.Ordinal));

    /// <summary>
    /// Reads the resolved configuration; <paramref name="uriOverride"/> (the server's
    /// <c>ActorDispatch:Transports:Amqp:Uri</c>) and <paramref name="egressAllow"/> win over HOCON when set.
    /// </summary>
    public static AmqpSettings From(TransportConfig config, string? uriOverride = null, string? egressAllow = null)
    {
        var uri = ParseUri(config, uriOverride ?? config.GetString(UriKey), uriOverride is null ? Path(config, UriKey) : "ActorDispatch:Transports:Amqp:Uri");
        var min = Positive(config, BackoffMinKey);
        var max = Positive(config, BackoffMaxKey);
        if (max < min) throw ConfigError(config, BackoffMaxKey, $"must not be less than {BackoffMinKey} ({min.TotalMilliseconds:0}ms)");
        var egress = egressAllow is not null
            ? EgressPolicy.Parse(egressAllow, "ActorDispatch:Egress:Allow")
            : EgressPolicy.Parse(config.GetString(EgressAllowKey), Path(config, EgressAllowKey));
        return new AmqpSettings(uri, NonEmpty(config.GetString(UserNameKey)), config.GetString(PasswordKey), ReadTls(config),
            Positive(config, ConfirmTimeoutKey), Positive(config, ConnectionTimeoutKey), NonNegative(config, HeartbeatKey), min, max, egress);
    }

    /// <summary>The broker's URI without credentials, for logs and errors.</summary>
    public string BrokerDescription => Uri is null ? "(none)" : $"{Uri.Scheme}://{Uri.Authority}{Uri.AbsolutePath}";

    private static Uri? ParseUri(TransportConfig config, string? text, string setting)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (!System.Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps") || string.IsNullOrEmpty(uri.Host))
            throw new ActorDispatchException(ErrorKind.BadRequest, "AD10100",
                $"invalid '{setting}': not an amqp:// or amqps:// URI with a host (amqp://user:password@host:5672/vhost)");
        return uri;
    }

    private static AmqpTlsSettings ReadTls(TransportConfig config)
    {
        var tls = new AmqpTlsSettings();
        foreach (var (key, value) in config.Values)
        {
            if (!key.StartsWith(TlsKey + ".", StringComparison.Ordinal) || value is null) continue;
            tls = key[(TlsKey.Length + 1)..] switch
            {
                "enabled" => tls with { Enabled = config.GetBool(key) },
                "server-name" => tls with { ServerName = NonEmpty(value) },
                "ca-file" => tls with { CaFile = NonEmpty(value) },
                "cert-file" => tls with { CertFile = NonEmpty(value) },
                "key-file" => tls with { KeyFile = NonEmpty(value) },
                "insecure-skip-verify" => tls with { InsecureSkipVerify = config.GetBool(key) },
                var field => throw ConfigError(config, key,
                    $"unknown TLS setting '{field}' (known: enabled, server-name, ca-file, cert-file, key-file, insecure-skip-verify)"),
            };
        }
        if ((tls.CertFile is null) != (tls.KeyFile is null))
            throw ConfigError(config, tls.CertFile is null ? "tls.cert-file" : "tls.key-file", "tls.cert-file and tls.key-file go together");
        return tls;
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static TimeSpan Positive(TransportConfig config, string key)
    {
        var value = NonNegative(config, key);
        return value > TimeSpan.Zero ? value : throw ConfigError(config, key, "must be more than zero");
    }

    private static TimeSpan NonNegative(TransportConfig config, string key)
    {
        if (config.GetString(key) is null) throw ConfigError(config, key, "is required");
        var value = config.GetDuration(key);
        return value >= TimeSpan.Zero ? value : throw ConfigError(config, key, "must not be negative");
    }

    private static string Path(TransportConfig config, string key) => $"actordispatch.transports.{config.TransportName}.{key}";

    private static ActorDispatchException ConfigError(TransportConfig config, string key, string problem) =>
        new(ErrorKind.BadRequest, "AD10100", $"invalid '{Path(config, key)}': {problem}");
}

/// <summary>
/// TLS to the broker. Files are PEM and are read when the transport starts, so that a broken path
/// fails the start rather than every connect.
/// </summary>
/// <param name="Enabled">TLS even for an <c>amqp://</c> URI (an <c>amqps://</c> one always uses it).</param>
/// <param name="ServerName">The name the broker's certificate must carry; default the URI's host.</param>
/// <param name="CaFile">CA certificates that alone are trusted for the broker's chain, or null for the system's roots.</param>
/// <param name="CertFile">Client certificate (mutual TLS, e.g. RabbitMQ's EXTERNAL mechanism); needs <paramref name="KeyFile"/>.</param>
/// <param name="KeyFile">Private key of <paramref name="CertFile"/>.</param>
/// <param name="InsecureSkipVerify">Accept any broker certificate. For tests only.</param>
internal sealed record AmqpTlsSettings(
    bool Enabled = false, string? ServerName = null, string? CaFile = null, string? CertFile = null, string? KeyFile = null, bool InsecureSkipVerify = false);
