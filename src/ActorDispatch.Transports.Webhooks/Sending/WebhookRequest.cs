using System.Collections.Immutable;
using System.Net.Http.Headers;

namespace ActorDispatch.Transports.Webhooks.Sending;

/// <summary>
/// Everything one delivery sends, fixed before the first attempt so that every retry sends the
/// same bytes under the same <see cref="MessageId"/>; only the timestamp and signature are made per
/// attempt (<see cref="ToHttpRequest"/>), because receivers refuse stale timestamps.
/// </summary>
internal sealed record WebhookRequest(string Method, Uri Uri, ImmutableArray<KeyValuePair<string, string>> Headers, byte[]? Body, string MessageId)
{
    // Headers that .NET keeps on the content rather than on the request.
    private static readonly HashSet<string> ContentHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Allow", "Content-Disposition", "Content-Encoding", "Content-Language", "Content-Location", "Content-MD5",
        "Content-Range", "Content-Type", "Expires", "Last-Modified",
    };

    /// <summary>A fresh message for one attempt, signed with <paramref name="signingKey"/> when there is one.</summary>
    public HttpRequestMessage ToHttpRequest(ReadOnlySpan<byte> signingKey, bool sign, long unixSeconds)
    {
        var message = new HttpRequestMessage(new HttpMethod(Method), Uri);
        var needsContent = Body is not null || Headers.Any(h => ContentHeaders.Contains(h.Key));
        if (needsContent)
        {
            message.Content = new ByteArrayContent(Body ?? []);
            if (Body is not null) message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        foreach (var (name, value) in Headers)
        {
            if (ContentHeaders.Contains(name))
            {
                message.Content!.Headers.Remove(name);
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
            else
            {
                message.Headers.Remove(name);
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }
        if (sign)
        {
            message.Headers.TryAddWithoutValidation(WebhookSignature.IdHeader, MessageId);
            message.Headers.TryAddWithoutValidation(WebhookSignature.TimestampHeader, unixSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            message.Headers.TryAddWithoutValidation(WebhookSignature.SignatureHeader, WebhookSignature.Sign(signingKey, MessageId, unixSeconds, Body ?? []));
        }
        return message;
    }
}
