using System.Collections.Immutable;
using System.Net.Http.Headers;
using ActorDispatch.Transports.Webhooks.Options;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace ActorDispatch.Transports.Webhooks.Sending;

/// <summary>A subscription's options with what sending needs made once: its pooled client and its retry pipeline.</summary>
internal sealed record PreparedWebhook(WebhookOptions Options, HttpClient Client, ResiliencePipeline<WebhookResponse> Pipeline);

/// <summary>
/// Sends one request with retries: connection errors, timeouts, 408, 429 and 5xx are tried again
/// with exponential backoff and jitter (<c>retry.*</c>), waiting at least what a <c>Retry-After</c>
/// asks (up to <c>retry.maxDelay</c>); anything else ends at once. The outcome says ack or reject;
/// the caller answers the engine.
/// </summary>
internal sealed class WebhookSender(HttpClientPool pool, int maxReplyBodySize, TimeProvider time, ILogger logger)
{
    /// <summary>Bytes of an error response kept for the reject message.</summary>
    private const int ErrorBodySnippet = 512;

    public PreparedWebhook Prepare(WebhookOptions options) =>
        new(options, pool.Get(options.Http.HandlerKey(options.TlsConfigName)), CreatePipeline(options));

    internal ResiliencePipeline<WebhookResponse> CreatePipeline(WebhookOptions options)
    {
        var retry = options.Retry;
        if (retry.Attempts <= 1) return ResiliencePipeline<WebhookResponse>.Empty;
        var target = Describe(options.Method, options.Url);
        return new ResiliencePipelineBuilder<WebhookResponse> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<WebhookResponse>
            {
                MaxRetryAttempts = retry.Count,
                Delay = retry.InitialDelay,
                MaxDelay = retry.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: HttpRequestException or WebhookTimeoutException } => true,
                    { Result.IsTransient: true } => true,
                    _ => false,
                }),
                // Polly does not cap generated delays: Retry-After is honoured up to retry.maxDelay.
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result?.RetryAfter is { } after
                    ? (TimeSpan?)(after < retry.MaxDelay ? after : retry.MaxDelay)
                    : null),
                OnRetry = args =>
                {
                    if (logger.IsEnabled(LogLevel.Debug))
                        logger.LogDebug("Webhook {Target}: attempt {Attempt} failed ({Reason}); retrying in {Delay}",
                            target, args.AttemptNumber + 1, Reason(args.Outcome), args.RetryDelay);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>
    /// Sends <paramref name="request"/> until it succeeds, fails for good or retries run out.
    /// Throws <see cref="OperationCanceledException"/> only when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task<SendOutcome> SendAsync(PreparedWebhook webhook, WebhookRequest request, bool readReplyBody, CancellationToken cancellationToken)
    {
        var attempts = 0;
        var options = webhook.Options;
        try
        {
            var response = await webhook.Pipeline.ExecuteAsync(async token =>
            {
                attempts++;
                return await AttemptAsync(webhook, request, readReplyBody, token).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccess) return new SendOutcome(response, null, attempts);
            var snippet = response.Body is { Length: > 0 } b ? ": " + System.Text.Encoding.UTF8.GetString(b) : "";
            var what = response.IsTransient ? $"after {attempts} attempt{(attempts == 1 ? "" : "s")}" : "(not retried)";
            return new SendOutcome(response, $"HTTP {response.Status} from {Describe(options.Method, request.Uri)} {what}{snippet}", attempts);
        }
        catch (Exception ex) when (ex is HttpRequestException or WebhookTimeoutException)
        {
            return new SendOutcome(null, $"no response from {Describe(options.Method, request.Uri)} after {attempts} attempt{(attempts == 1 ? "" : "s")}: {ex.Message}", attempts);
        }
    }

    private async ValueTask<WebhookResponse> AttemptAsync(PreparedWebhook webhook, WebhookRequest request, bool readReplyBody, CancellationToken token)
    {
        var timeout = webhook.Options.Http.RequestTimeout;
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token);
        attempt.CancelAfter(timeout);
        var key = webhook.Options.SigningKey;
        using var message = request.ToHttpRequest(key is { } k ? k.AsSpan() : default, key is not null, time.GetUtcNow().ToUnixTimeSeconds());
        try
        {
            using var response = await webhook.Client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, attempt.Token).ConfigureAwait(false);
            return await ReadAsync(response, readReplyBody, attempt.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            throw new WebhookTimeoutException(timeout);
        }
        catch (IOException ex)
        {
            throw new HttpRequestException($"reading the response failed: {ex.Message}", ex);
        }
    }

    private async Task<WebhookResponse> ReadAsync(HttpResponseMessage response, bool readReplyBody, CancellationToken token)
    {
        var status = (int)response.StatusCode;
        var success = status is >= 200 and <= 299;
        var limit = success ? readReplyBody ? maxReplyBodySize : 0 : ErrorBodySnippet;
        byte[]? body = null;
        var tooLarge = false;
        if (limit > 0)
        {
            (body, tooLarge) = await ReadLimitedAsync(response.Content, limit, token).ConfigureAwait(false);
            if (!success) tooLarge = false; // an error body is only a snippet
        }
        return new WebhookResponse(status, Headers(response), response.Content.Headers.ContentType?.ToString(), tooLarge ? null : body, tooLarge,
            RetryAfter(response.Headers.RetryAfter));
    }

    private static async Task<(byte[] Body, bool TooLarge)> ReadLimitedAsync(HttpContent content, int limit, CancellationToken token)
    {
        await using var stream = await content.ReadAsStreamAsync(token).ConfigureAwait(false);
        var buffer = new byte[Math.Min(limit + 1, 64 * 1024)];
        using var result = new MemoryStream();
        int read;
        while (result.Length <= limit && (read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit + 1 - result.Length)), token).ConfigureAwait(false)) > 0)
            result.Write(buffer, 0, read);
        return result.Length > limit ? (result.ToArray()[..limit], true) : (result.ToArray(), false);
    }

    private static ImmutableArray<KeyValuePair<string, string>> Headers(HttpResponseMessage response)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var builder = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>();
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            if (seen.Add(name)) builder.Add(new(name, string.Join(", ", values)));
        return builder.ToImmutable();
    }

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow() is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero,
        _ => null,
    };

    private static string Reason(Outcome<WebhookResponse> outcome) =>
        outcome.Exception?.Message ?? $"HTTP {outcome.Result?.Status}";

    /// <summary>Method and URL without its query, which may carry credentials, for messages and logs.</summary>
    internal static string Describe(string method, Uri uri) => $"{method} {uri.GetLeftPart(UriPartial.Path)}";
}
