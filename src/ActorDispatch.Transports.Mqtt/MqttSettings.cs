using System.Collections.Immutable;

namespace ActorDispatch.Transports.Mqtt;

/// <summary>
/// The transport's configuration, read once from <c>actordispatch.transports.mqtt</c>: the broker,
/// how to reach and log in to it, and how long to wait for it. The keys and their defaults are
/// declared in one place, <see cref="Declare"/>; <see cref="MqttTransportOptions"/> can override
/// the broker, credentials and egress allow list from code (the server's own settings).
/// </summary>
internal sealed record MqttSettings(
    string Host,
    int Port,
    string ClientId,
    string? Username,
    string? Password,
    MqttTlsSettings Tls,
    TimeSpan KeepAlive,
    TimeSpan ConnectTimeout,
    TimeSpan PublishTimeout,
    TimeSpan ReconnectInitialDelay,
    TimeSpan ReconnectMaxDelay,
    EgressPolicy Egress)
{
    public const string Server = "server";
    public const string ClientIdKey = "client-id";
    public const string UsernameKey = "username";
    public const string PasswordKey = "password";
    public const string TlsEnabled = "tls.enabled";
    public const string TlsCaFile = "tls.ca-file";
    public const string TlsCertFile = "tls.cert-file";
    public const string TlsKeyFile = "tls.key-file";
    public const string TlsInsecureSkipVerify = "tls.insecure-skip-verify";
    public const string KeepAliveKey = "keep-alive";
    public const string ConnectTimeoutKey = "connect-timeout";
    public const string PublishTimeoutKey = "publish-timeout";
    public const string ReconnectInitialDelayKey = "reconnect-initial-delay";
    public const string ReconnectMaxDelayKey = "reconnect-max-delay";
    public const string EgressAllow = "egress-allow";

    /// <summary>MQTT's registered port without TLS, and with it.</summary>
    public const int DefaultPort = 1883, DefaultTlsPort = 8883;

    // The single source of the transport's defaults: declared to the engine, which overlays HOCON.
    private static readonly (string Key, string? Default)[] Known =
    [
        (Server, ""),
        (ClientIdKey, ""),
        (UsernameKey, ""),
        (PasswordKey, ""),
        (TlsEnabled, "off"),
        (TlsCaFile, ""),
        (TlsCertFile, ""),
        (TlsKeyFile, ""),
        (TlsInsecureSkipVerify, "off"),
        (KeepAliveKey, "15s"),
        (ConnectTimeoutKey, "10s"),
        (PublishTimeoutKey, "30s"),
        (ReconnectInitialDelayKey, "250ms"),
        (ReconnectMaxDelayKey, "30s"),
        (EgressAllow, ""),
    ];

    /// <summary>Declares every key with its default.</summary>
    public static void Declare(TransportConfigBuilder config)
    {
        foreach (var (key, value) in Known) config.AddKnownKey(key, value);
    }

    /// <summary>The configuration with every default and nothing overridden, as the engine resolves it without HOCON.</summary>
    public static TransportConfig DefaultConfig(string transportName) =>
        new(transportName, Known.ToImmutableDictionary(k => k.Key, k => k.Default, StringComparer.Ordinal));

    /// <summary>Reads the resolved configuration, with the overrides of <paramref name="overrides"/> (code wins over HOCON).</summary>
    public static MqttSettings From(TransportConfig config, MqttTransportOptions? overrides = null)
    {
        var tls = new MqttTlsSettings(
            config.GetBool(TlsEnabled),
            NonEmpty(config, TlsCaFile),
            NonEmpty(config, TlsCertFile),
            NonEmpty(config, TlsKeyFile),
            config.GetBool(TlsInsecureSkipVerify));
        if ((tls.CertFile is null) != (tls.KeyFile is null))
            throw ConfigError(config, tls.CertFile is null ? TlsCertFile : TlsKeyFile, "a client certificate needs both tls.cert-file and tls.key-file");

        var server = overrides?.Server ?? NonEmpty(config, Server)
            ?? throw ConfigError(config, Server, "is required: the broker as host:port, e.g. 127.0.0.1:1883");
        var (host, port) = ParseServer(server, tls.Enabled ? DefaultTlsPort : DefaultPort)
            ?? throw ConfigError(config, Server, $"'{server}' is not host:port (e.g. broker.example.com:1883 or [::1]:1883)");

        var egress = overrides?.EgressAllow is { } allow
            ? EgressPolicy.Parse(allow, "ActorDispatch:Egress:Allow")
            : EgressPolicy.Parse(config.GetString(EgressAllow), $"actordispatch.transports.{config.TransportName}.{EgressAllow}");
        var initial = Positive(config, ReconnectInitialDelayKey);
        var max = Positive(config, ReconnectMaxDelayKey);
        if (max < initial) throw ConfigError(config, ReconnectMaxDelayKey, $"must not be less than {ReconnectInitialDelayKey}");

        return new MqttSettings(
            host,
            port,
            // A clean session is started on every connect (see MqttTransport), so a random id loses nothing.
            NonEmpty(config, ClientIdKey) ?? $"actordispatch-{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..8]}",
            overrides?.Username ?? NonEmpty(config, UsernameKey),
            overrides?.Password ?? NonEmpty(config, PasswordKey),
            tls,
            Positive(config, KeepAliveKey),
            Positive(config, ConnectTimeoutKey),
            Positive(config, PublishTimeoutKey),
            initial,
            max,
            egress);
    }

    /// <summary>
    /// <c>host:port</c>, <c>host</c> (the default port), <c>[v6]:port</c>; null when it is none of these.
    /// A scheme (<c>mqtt://</c>, <c>tcp://</c>) is tolerated, a path is not.
    /// </summary>
    internal static (string Host, int Port)? ParseServer(string text, int defaultPort)
    {
        var s = text.Trim();
        var scheme = s.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) s = s[(scheme + 3)..];
        if (s.Length == 0 || s.Contains('/') || s.Contains('@')) return null;
        string host;
        string? port = null;
        if (s.StartsWith('['))
        {
            var close = s.IndexOf(']');
            if (close < 0) return null;
            host = s[1..close];
            var rest = s[(close + 1)..];
            if (rest.Length > 0)
            {
                if (!rest.StartsWith(':')) return null;
                port = rest[1..];
            }
        }
        else
        {
            var colon = s.LastIndexOf(':');
            if (colon >= 0 && s.IndexOf(':') != colon) return null; // an IPv6 literal needs brackets
            host = colon >= 0 ? s[..colon] : s;
            port = colon >= 0 ? s[(colon + 1)..] : null;
        }
        if (host.Length == 0) return null;
        if (port is null) return (host, defaultPort);
        return int.TryParse(port, out var p) && p is > 0 and <= 65535 ? (host, p) : null;
    }

    private static string? NonEmpty(TransportConfig config, string key) => config.GetString(key) is { Length: > 0 } s ? s : null;

    private static TimeSpan Positive(TransportConfig config, string key) =>
        config.GetString(key) is null ? throw ConfigError(config, key, "is required")
        : config.GetDuration(key) is var d && d > TimeSpan.Zero ? d
        : throw ConfigError(config, key, "must be more than zero");

    private static ActorDispatchException ConfigError(TransportConfig config, string key, string problem) =>
        new(ErrorKind.BadRequest, "AD10100", $"invalid 'actordispatch.transports.{config.TransportName}.{key}': {problem}");

    /// <summary>For logs: the broker, never the credentials.</summary>
    public string Broker => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>
/// TLS to the broker. Files are PEM and are read once, when the transport starts.
/// </summary>
/// <param name="Enabled">Connect with TLS.</param>
/// <param name="CaFile">CA certificates that alone are trusted for the broker's chain, or null for the system's roots.</param>
/// <param name="CertFile">Client certificate for mutual TLS; needs <paramref name="KeyFile"/>.</param>
/// <param name="KeyFile">Private key of <paramref name="CertFile"/>.</param>
/// <param name="InsecureSkipVerify">Accept any broker certificate. For tests only: it disables authentication of the broker.</param>
internal sealed record MqttTlsSettings(bool Enabled, string? CaFile, string? CertFile, string? KeyFile, bool InsecureSkipVerify);
