using System.Collections.Immutable;
using ActorDispatch.Transports.Webhooks.Options;

namespace ActorDispatch.Transports.Webhooks;

/// <summary>
/// The transport's configuration, read once from <c>actordispatch.transports.webhooks</c>: the
/// defaults of subscription options that FireFly leaves to the server, and server-wide limits.
/// The keys and their defaults are declared in one place, <see cref="Declare"/>.
/// </summary>
internal sealed record WebhooksSettings(
    RetrySettings DefaultRetry,
    HttpSettings DefaultHttp,
    int FastAckMaxConcurrentRequests,
    int MaxReplyBodySize,
    ImmutableDictionary<string, WebhookTlsConfig> TlsConfigs,
    EgressPolicy Egress,
    ImmutableArray<AllowedProxy> AllowedProxies)
{
    public const string RequestTimeout = "request-timeout";
    public const string ConnectionTimeout = "connection-timeout";
    public const string IdleTimeout = "idle-timeout";
    public const string MaxIdleConns = "max-idle-conns";
    public const string RetryEnabled = "retry-enabled";
    public const string RetryCount = "retry-count";
    public const string RetryInitialDelay = "retry-initial-delay";
    public const string RetryMaxDelay = "retry-max-delay";
    public const string FastAckMaxConcurrent = "fastack-max-concurrent-requests";
    public const string MaxReplyBody = "max-reply-body-size";
    public const string Tls = "tls";
    public const string EgressAllow = "egress-allow";
    public const string AllowedProxiesKey = "allowed-proxies";

    // The single source of the transport's defaults: declared to the engine, which overlays HOCON.
    private static readonly (string Key, string? Default)[] Known =
    [
        (RequestTimeout, "30s"),
        (ConnectionTimeout, "10s"),
        (IdleTimeout, "90s"),
        (MaxIdleConns, "100"),
        (RetryEnabled, "on"),
        (RetryCount, "5"),
        (RetryInitialDelay, "250ms"),
        (RetryMaxDelay, "30s"),
        (FastAckMaxConcurrent, "32"),
        (MaxReplyBody, "1048576"),
        (Tls, null),
        (EgressAllow, ""),
        (AllowedProxiesKey, ""),
    ];

    /// <summary>Declares every key with its default.</summary>
    public static void Declare(TransportConfigBuilder config)
    {
        foreach (var (key, value) in Known) config.AddKnownKey(key, value);
    }

    /// <summary>The configuration with every default and nothing overridden, as the engine resolves it without HOCON.</summary>
    public static TransportConfig DefaultConfig(string transportName) =>
        new(transportName, Known.ToImmutableDictionary(k => k.Key, k => k.Default, StringComparer.Ordinal));

    /// <summary>
    /// Reads the resolved configuration. TLS configurations come from keys
    /// <c>tls.&lt;name&gt;.&lt;field&gt;</c>, then from <paramref name="tlsOverrides"/> (code wins).
    /// </summary>
    public static WebhooksSettings From(TransportConfig config, IEnumerable<KeyValuePair<string, WebhookTlsConfig>>? tlsOverrides = null,
        string? egressAllow = null)
    {
        var retry = new RetrySettings(
            config.GetBool(RetryEnabled),
            Count(config, RetryCount, allowZero: true),
            Duration(config, RetryInitialDelay),
            Duration(config, RetryMaxDelay));
        var http = new HttpSettings(
            Duration(config, RequestTimeout),
            Duration(config, ConnectionTimeout),
            Count(config, MaxIdleConns),
            Duration(config, IdleTimeout),
            ProxyUrl: null);
        var tls = ReadTls(config);
        foreach (var (name, tlsConfig) in tlsOverrides ?? []) tls[name] = tlsConfig;
        var egress = egressAllow is not null
            ? EgressPolicy.Parse(egressAllow, "ActorDispatch:Egress:Allow")
            : EgressPolicy.Parse(config.GetString(EgressAllow), $"actordispatch.transports.{config.TransportName}.{EgressAllow}");
        return new WebhooksSettings(retry, http, Count(config, FastAckMaxConcurrent), Count(config, MaxReplyBody),
            tls.ToImmutableDictionary(StringComparer.Ordinal), egress, Proxies(config));
    }

    // The proxies a subscription's httpOptions.proxyURL may name, as the operator lists them: a
    // proxy can reach what the egress policy keeps webhooks from, so subscriptions only pick from these.
    private static ImmutableArray<AllowedProxy> Proxies(TransportConfig config) =>
        (config.GetString(AllowedProxiesKey) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => AllowedProxy.TryParse(p) ?? throw ConfigError(config, AllowedProxiesKey, $"'{p}' is not an http(s) URL of a proxy"))
            .ToImmutableArray();

    public bool AllowsProxy(Uri proxy) => AllowedProxies.Any(p => p.Allows(proxy));

    private static TimeSpan Duration(TransportConfig config, string key) =>
        config.GetString(key) is null ? throw ConfigError(config, key, "is required") : config.GetDuration(key);

    private static int Count(TransportConfig config, string key, bool allowZero = false)
    {
        if (config.GetString(key) is null) throw ConfigError(config, key, "is required");
        var value = config.GetInt(key);
        return value > 0 || (allowZero && value == 0)
            ? value
            : throw ConfigError(config, key, $"{value} must be {(allowZero ? "0 or more" : "1 or more")}");
    }

    private static Dictionary<string, WebhookTlsConfig> ReadTls(TransportConfig config)
    {
        var result = new Dictionary<string, WebhookTlsConfig>(StringComparer.Ordinal);
        foreach (var (key, value) in config.Values)
        {
            if (!key.StartsWith(Tls + ".", StringComparison.Ordinal) || value is null) continue;
            var rest = key[(Tls.Length + 1)..];
            var dot = rest.LastIndexOf('.');
            if (dot <= 0) throw ConfigError(config, key, "expected tls.<name>.<ca-file|cert-file|key-file|insecure-skip-verify>");
            var name = rest[..dot];
            var current = result.GetValueOrDefault(name) ?? new WebhookTlsConfig();
            result[name] = rest[(dot + 1)..] switch
            {
                "ca-file" => current with { CaFile = value },
                "cert-file" => current with { CertFile = value },
                "key-file" => current with { KeyFile = value },
                "insecure-skip-verify" => current with { InsecureSkipVerify = config.GetBool(key) },
                var field => throw ConfigError(config, key, $"unknown TLS setting '{field}' (known: ca-file, cert-file, key-file, insecure-skip-verify)"),
            };
        }
        return result;
    }

    private static ActorDispatchException ConfigError(TransportConfig config, string key, string problem) =>
        new(ErrorKind.BadRequest, "AD10100", $"invalid 'actordispatch.transports.{config.TransportName}.{key}': {problem}");
}
