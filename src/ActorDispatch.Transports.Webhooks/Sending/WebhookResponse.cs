using System.Collections.Immutable;

namespace ActorDispatch.Transports.Webhooks.Sending;

/// <summary>
/// What one attempt got back, read completely so that the HTTP response can be disposed at once:
/// the status decides ack, retry or reject; the rest feeds a reply event and reject messages.
/// </summary>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Headers">Response and content headers, several values of one name joined with ", ".</param>
/// <param name="ContentType">The response's content type, if any.</param>
/// <param name="Body">The body when it was read (replies, and the start of error bodies), else null.</param>
/// <param name="BodyTooLarge">The body was longer than the transport reads for a reply.</param>
/// <param name="RetryAfter">The server's <c>Retry-After</c>, as a delay from now.</param>
internal sealed record WebhookResponse(
    int Status,
    ImmutableArray<KeyValuePair<string, string>> Headers,
    string? ContentType,
    byte[]? Body,
    bool BodyTooLarge,
    TimeSpan? RetryAfter)
{
    public bool IsSuccess => Status is >= 200 and <= 299;

    /// <summary>Worth another attempt: the receiver may be overloaded or briefly failing (408, 429, 5xx).</summary>
    public bool IsTransient => Status is 408 or 429 or >= 500;
}

/// <summary>The result of a delivery once retries are over: an ack with the response, or a reject and why.</summary>
internal sealed record SendOutcome(WebhookResponse? Response, string? Failure, int Attempts)
{
    public bool Acked => Failure is null;
}

/// <summary>An attempt that got no response within <c>httpOptions.requestTimeout</c>; retried like a connection error.</summary>
internal sealed class WebhookTimeoutException(TimeSpan timeout)
    : Exception($"no response within the request timeout of {timeout.TotalMilliseconds:0}ms");
