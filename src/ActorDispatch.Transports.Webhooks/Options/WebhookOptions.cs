using System.Collections.Immutable;

namespace ActorDispatch.Transports.Webhooks.Options;

/// <summary>
/// A webhook subscription's options, parsed and checked once (<see cref="WebhookOptionsParser"/>)
/// and cached per subscription definition, so that sending never re-reads JSON.
/// </summary>
internal sealed record WebhookOptions
{
    /// <summary>The target; always absolute <c>http</c> or <c>https</c>.</summary>
    public required Uri Url { get; init; }

    /// <summary>Upper-case HTTP method, <c>POST</c> unless set.</summary>
    public string Method { get; init; } = "POST";

    /// <summary>Static request headers, in the order given.</summary>
    public ImmutableArray<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Static query parameters, appended after any already in <see cref="Url"/>.</summary>
    public ImmutableArray<KeyValuePair<string, string>> Query { get; init; } = [];

    /// <summary>Send the data payload (or its <see cref="InputFields.Body"/> field) rather than the delivery.</summary>
    public bool WithData { get; init; } = true;

    /// <summary>Batch subscriptions send a JSON array of bodies and are acked as one.</summary>
    public bool Batch { get; init; }

    public InputFields Input { get; init; } = InputFields.None;

    /// <summary>Parse the response body as JSON whatever its content type (for <see cref="Reply"/>).</summary>
    public bool Json { get; init; }

    /// <summary>Ack at once and send in the background (FireFly's fire-and-forget).</summary>
    public bool FastAck { get; init; }

    /// <summary>Append the response as a reply event correlated to the delivered event.</summary>
    public bool Reply { get; init; }

    public string? ReplyTag { get; init; }

    public Guid? ReplyTx { get; init; }

    public required RetrySettings Retry { get; init; }

    public required HttpSettings Http { get; init; }

    public string? TlsConfigName { get; init; }

    /// <summary>The HMAC key for Standard Webhooks signatures, or null to send unsigned.</summary>
    public ImmutableArray<byte>? SigningKey { get; init; }
}

/// <summary>
/// FireFly's <c>input.*</c>: names of top-level fields of the data payload that supply the body,
/// extra headers, extra query parameters and extra path segments of each request.
/// </summary>
internal sealed record InputFields(string? Body, string? Headers, string? Query, string? Path)
{
    public static readonly InputFields None = new(null, null, null, null);

    public bool Any => Body is not null || Headers is not null || Query is not null || Path is not null;
}

/// <summary>
/// HTTP-level retries of one delivery. <see cref="Count"/> is retries after the first attempt, as in
/// FireFly; exhausting them rejects the delivery, which rewinds the subscription.
/// </summary>
internal sealed record RetrySettings(bool Enabled, int Count, TimeSpan InitialDelay, TimeSpan MaxDelay)
{
    /// <summary>Attempts in all, the first included.</summary>
    public int Attempts => Enabled ? 1 + Count : 1;
}

/// <summary>
/// FireFly's <c>httpOptions</c>. Everything but <see cref="RequestTimeout"/> shapes the pooled
/// connection handler, so <see cref="HandlerKey"/> leaves it out and subscriptions that differ only
/// in timeouts share connections.
/// </summary>
internal sealed record HttpSettings(TimeSpan RequestTimeout, TimeSpan ConnectionTimeout, int MaxIdleConns, TimeSpan IdleTimeout, Uri? ProxyUrl)
{
    public HandlerKey HandlerKey(string? tlsConfigName) => new(ConnectionTimeout, MaxIdleConns, IdleTimeout, ProxyUrl, tlsConfigName);
}

/// <summary>What makes two subscriptions need different connection pools.</summary>
internal sealed record HandlerKey(TimeSpan ConnectionTimeout, int MaxIdleConns, TimeSpan IdleTimeout, Uri? ProxyUrl, string? TlsConfigName);
