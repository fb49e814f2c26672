using System.Net;
using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using ActorDispatch.Model;

namespace ActorDispatch.Transports.Webhooks.Options;

/// <summary>
/// Turns a subscription's options into <see cref="WebhookOptions"/>, refusing anything that cannot
/// work with an <see cref="ActorDispatchException"/> naming the option (<c>options.retry.count</c>).
/// A pure function of the options and the transport's settings: the engine calls it through
/// <see cref="WebhooksTransport.ValidateOptions"/> before storing a subscription, and the transport
/// again (cached) before sending, with the same result.
/// </summary>
internal static class WebhookOptionsParser
{
    private static readonly string[] TopLevel =
        ["url", "method", "headers", "query", "input", "json", "fastack", "reply", "replytag", "replytx", "retry", "httpOptions", "tlsConfigName", "secret"];

    // Framing headers belong to the HTTP stack; letting a subscription set them would corrupt requests.
    private static readonly string[] ReservedHeaders = ["content-length", "transfer-encoding", "connection", "host"];

    private const string SecretPrefix = "whsec_";

    /// <summary>The longest delay Polly accepts, and far beyond any sensible webhook setting.</summary>
    private static readonly TimeSpan MaxDuration = TimeSpan.FromDays(1);

    public static WebhookOptions Parse(SubscriptionOptions options, WebhooksSettings settings)
    {
        var o = new OptionReader(options.Transport, prefix: "");
        o.RefuseUnknown(TopLevel);

        var withData = options.WithData ?? true;
        var batch = options.Batch ?? false;
        var input = ParseInput(o.Object("input"));
        if (input.Any && !withData)
            throw OptionError("input", "takes fields of the data payload, so it needs 'withData': true");

        if (batch && (input.Headers ?? input.Query ?? input.Path) is not null)
            throw OptionError(input.Headers is not null ? "input.headers" : input.Query is not null ? "input.query" : "input.path",
                "cannot be combined with 'batch': one request carries several events' data (only input.body applies, to each)");

        var reply = o.Bool("reply") ?? false;
        var fastAck = o.Bool("fastack") ?? false;
        if (reply && fastAck)
            throw OptionError("fastack", "cannot be combined with 'reply': a fast ack is made before there is a response to reply with");
        if (reply && batch)
            throw OptionError("reply", "cannot be combined with 'batch': a reply correlates to one event");

        var replyTx = o.String("replytx") is { } tx
            ? Guid.TryParse(tx, out var g) ? g : throw OptionError("replytx", $"'{tx}' is not a UUID")
            : (Guid?)null;
        var replyTag = o.String("replytag");
        if (replyTag is { Length: > 256 }) throw OptionError("replytag", "is longer than 256 characters");

        var tlsName = o.String("tlsConfigName");
        if (tlsName is not null && !settings.TlsConfigs.ContainsKey(tlsName))
            throw OptionError("tlsConfigName", settings.TlsConfigs.IsEmpty
                ? $"'{tlsName}' is not a configured TLS configuration (none are configured)"
                : $"'{tlsName}' is not a configured TLS configuration (known: {string.Join(", ", settings.TlsConfigs.Keys.Order(StringComparer.Ordinal))})");

        return new WebhookOptions
        {
            Url = Reachable(ParseUrl(o.String("url") ?? throw OptionError("url", "is required"), "url"), "url", settings.Egress),
            Method = ParseMethod(o.String("method")),
            Headers = ParseHeaders(o.StringMap("headers"), "headers"),
            Query = o.StringMap("query"),
            WithData = withData,
            Batch = batch,
            Input = input,
            Json = o.Bool("json") ?? false,
            FastAck = fastAck,
            Reply = reply,
            ReplyTag = replyTag,
            ReplyTx = replyTx,
            Retry = ParseRetry(o.Object("retry"), settings.DefaultRetry),
            Http = ParseHttp(o.Object("httpOptions"), settings.DefaultHttp, settings),
            TlsConfigName = tlsName,
            SigningKey = ParseSecret(o.String("secret")),
        };
    }

    /// <summary>The HMAC key of a secret: a <c>whsec_</c> secret's base64-decoded bytes, any other string's UTF-8 bytes.</summary>
    public static ImmutableArray<byte>? ParseSecret(string? secret)
    {
        if (secret is null) return null;
        if (secret.Length == 0) throw OptionError("secret", "must not be empty");
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal)) return LongEnough([.. Encoding.UTF8.GetBytes(secret)]);
        try
        {
            var key = Convert.FromBase64String(secret[SecretPrefix.Length..]);
            return key.Length > 0 ? LongEnough([.. key]) : throw OptionError("secret", "a 'whsec_' secret needs base64 key bytes after the prefix");
        }
        catch (FormatException)
        {
            throw OptionError("secret", "a 'whsec_' secret must be followed by base64");
        }
    }

    /// <summary>The shortest signing key accepted: a shorter one can be guessed (Svix's keys are 24 bytes).</summary>
    public const int MinSecretBytes = 24;

    private static ImmutableArray<byte> LongEnough(ImmutableArray<byte> key) => key.Length >= MinSecretBytes
        ? key
        : throw OptionError("secret", $"is {key.Length} bytes, fewer than {MinSecretBytes}; use a random secret such as whsec_ followed by 32 bytes in base64");

    internal static ActorDispatchException OptionError(string option, string problem) =>
        new(ErrorKind.BadRequest, "AD10103", $"invalid option 'options.{option}': {problem}");

    private static Uri ParseUrl(string text, string option)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
            throw OptionError(option, $"'{text}' is not an absolute URL");
        if (uri.Scheme is not ("http" or "https"))
            throw OptionError(option, $"'{text}' must use http or https");
        if (string.IsNullOrEmpty(uri.Host))
            throw OptionError(option, $"'{text}' has no host");
        return uri;
    }

    // An address written in the URL is judged at once; a name is judged on what it resolves to, at connect time.
    private static Uri Reachable(Uri uri, string option, EgressPolicy egress)
    {
        if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address) &&
            egress.Refusal(address) is { } refusal)
            throw OptionError(option, $"'{uri}' may not be reached: {refusal}");
        return uri;
    }

    private static string ParseMethod(string? method)
    {
        if (method is null) return "POST";
        if (method.Length == 0 || !method.All(char.IsAsciiLetter))
            throw OptionError("method", $"'{method}' is not an HTTP method");
        return method.ToUpperInvariant();
    }

    private static ImmutableArray<KeyValuePair<string, string>> ParseHeaders(ImmutableArray<KeyValuePair<string, string>> headers, string option)
    {
        foreach (var (name, value) in headers)
        {
            if (!IsToken(name)) throw OptionError($"{option}.{name}", "is not a valid header name");
            if (ReservedHeaders.Contains(name.ToLowerInvariant())) throw OptionError($"{option}.{name}", "is set by the HTTP client and cannot be overridden");
            if (value.Contains('\r') || value.Contains('\n')) throw OptionError($"{option}.{name}", "must not contain line breaks");
        }
        return headers;
    }

    /// <summary>RFC 9110 token characters, the only ones allowed in a header name.</summary>
    internal static bool IsToken(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c));

    private static InputFields ParseInput(OptionReader? o)
    {
        if (o is null) return InputFields.None;
        o.RefuseUnknown(["body", "headers", "query", "path"]);
        return new InputFields(o.NonEmptyString("body"), o.NonEmptyString("headers"), o.NonEmptyString("query"), o.NonEmptyString("path"));
    }

    private static RetrySettings ParseRetry(OptionReader? o, RetrySettings defaults)
    {
        if (o is null) return defaults;
        o.RefuseUnknown(["enabled", "count", "initialDelay", "maxDelay"]);
        var count = o.Int("count") ?? defaults.Count;
        if (count < 0) throw OptionError("retry.count", $"{count} must be 0 or more");
        var initial = o.Duration("initialDelay") ?? defaults.InitialDelay;
        var max = o.Duration("maxDelay") ?? defaults.MaxDelay;
        if (max < initial)
            throw OptionError(o.Has("maxDelay") ? "retry.maxDelay" : "retry.initialDelay", $"retry.maxDelay ({max.TotalMilliseconds:0}ms) must not be less than retry.initialDelay ({initial.TotalMilliseconds:0}ms)");
        return new RetrySettings(o.Bool("enabled") ?? defaults.Enabled, count, initial, max);
    }

    private static Uri Proxy(Uri proxy, WebhooksSettings settings) => settings.AllowsProxy(proxy)
        ? Reachable(proxy, "httpOptions.proxyURL", settings.Egress)
        : throw OptionError("httpOptions.proxyURL", settings.AllowedProxies.IsEmpty
            ? "no proxies are allowed (the operator lists them in 'actordispatch.transports.webhooks.allowed-proxies')"
            : $"'{proxy}' is not one of the proxies in 'actordispatch.transports.webhooks.allowed-proxies'");

    private static HttpSettings ParseHttp(OptionReader? o, HttpSettings defaults, WebhooksSettings settings)
    {
        if (o is null) return defaults;
        o.RefuseUnknown(["requestTimeout", "connectionTimeout", "maxIdleConns", "idleTimeout", "proxyURL"]);
        var maxIdle = o.Int("maxIdleConns") ?? defaults.MaxIdleConns;
        if (maxIdle < 0) throw OptionError("httpOptions.maxIdleConns", $"{maxIdle} must be 0 or more");
        return new HttpSettings(
            o.PositiveDuration("requestTimeout") ?? defaults.RequestTimeout,
            o.PositiveDuration("connectionTimeout") ?? defaults.ConnectionTimeout,
            maxIdle,
            o.Duration("idleTimeout") ?? defaults.IdleTimeout,
            o.String("proxyURL") is { } proxy ? Proxy(ParseUrl(proxy, "httpOptions.proxyURL"), settings) : defaults.ProxyUrl);
    }

    /// <summary>Typed access to one level of the options JSON, naming options by their dotted path in errors.</summary>
    private sealed class OptionReader(IReadOnlyDictionary<string, JsonElement> values, string prefix)
    {
        public bool Has(string name) => values.ContainsKey(name);

        public void RefuseUnknown(string[] known)
        {
            foreach (var key in values.Keys)
                if (!known.Contains(key))
                    throw OptionError(Path(key), $"unknown option for transport 'webhooks' (known here: {string.Join(", ", known)})");
        }

        public string? String(string name) => Get(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.String } v => v.GetString(),
            _ => throw OptionError(Path(name), "must be a string"),
        };

        public string? NonEmptyString(string name) =>
            String(name) is { } s ? s.Length > 0 ? s : throw OptionError(Path(name), "must not be empty") : null;

        public bool? Bool(string name) => Get(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.True } => true,
            { ValueKind: JsonValueKind.False } => false,
            _ => throw OptionError(Path(name), "must be true or false"),
        };

        public int? Int(string name) => Get(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.Number } v when v.TryGetInt32(out var n) => n,
            _ => throw OptionError(Path(name), "must be an integer"),
        };

        public TimeSpan? Duration(string name)
        {
            var text = Get(name) switch
            {
                null => null,
                { ValueKind: JsonValueKind.String } v => v.GetString(),
                { ValueKind: JsonValueKind.Number } v => v.GetRawText(),
                _ => throw OptionError(Path(name), "must be a duration such as '250ms' or '30s'"),
            };
            if (text is null) return null;
            if (!Model.Duration.TryParse(text, out var d))
                throw OptionError(Path(name), $"'{text}' is not a duration such as '250ms' or '30s'");
            if (d > MaxDuration) throw OptionError(Path(name), $"'{text}' is longer than a day");
            return d;
        }

        public TimeSpan? PositiveDuration(string name) =>
            Duration(name) is { } d ? d > TimeSpan.Zero ? d : throw OptionError(Path(name), "must be more than zero") : null;

        public ImmutableArray<KeyValuePair<string, string>> StringMap(string name)
        {
            switch (Get(name))
            {
                case null:
                    return [];
                case { ValueKind: JsonValueKind.Object } v:
                    var builder = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>();
                    foreach (var p in v.EnumerateObject())
                    {
                        if (p.Value.ValueKind != JsonValueKind.String) throw OptionError(Path($"{name}.{p.Name}"), "must be a string");
                        builder.Add(new(p.Name, p.Value.GetString()!));
                    }
                    return builder.ToImmutable();
                default:
                    throw OptionError(Path(name), "must be an object of strings");
            }
        }

        public OptionReader? Object(string name) => Get(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.Object } v => new OptionReader(
                v.EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.Null).ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal),
                Path(name) + "."),
            _ => throw OptionError(Path(name), "must be an object"),
        };

        private JsonElement? Get(string name) =>
            values.TryGetValue(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

        private string Path(string name) => prefix + name;
    }
}
