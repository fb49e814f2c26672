using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.Webhooks.Options;
using ActorDispatch.Transports.Webhooks.Sending;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorDispatch.Transports.Webhooks;

/// <summary>
/// The connect-out transport <c>webhooks</c>: each delivery becomes an HTTP request to the
/// subscription's <c>url</c>, and the response answers the engine. A 2xx acks; connection errors,
/// timeouts, 408, 429 and 5xx are retried (<c>retry.*</c>) and, when retries run out, the delivery
/// is rejected so that the engine rewinds to the committed offset and tries again after a growing
/// pause: unlike FireFly, a failed delivery is never acked silently. Other statuses reject at once.
/// One logical connection serves every webhook subscription; requests go out in parallel up to
/// the subscription's window (<c>1 + readAhead</c>), on pooled connections per distinct
/// <c>httpOptions</c>/TLS setting. Options, bodies and signing are as in docs/protocol.md.
/// </summary>
/// <remarks>
/// Configuration (HOCON <c>actordispatch.transports.webhooks</c>), with defaults:
/// <c>request-timeout = 30s</c>, <c>connection-timeout = 10s</c>, <c>idle-timeout = 90s</c>,
/// <c>max-idle-conns = 100</c> (the <c>httpOptions</c> defaults); <c>retry-enabled = on</c>,
/// <c>retry-count = 5</c>, <c>retry-initial-delay = 250ms</c>, <c>retry-max-delay = 30s</c> (the
/// <c>retry</c> defaults); <c>fastack-max-concurrent-requests = 32</c>;
/// <c>max-reply-body-size = 1048576</c>; named TLS configurations
/// <c>tls.&lt;name&gt; { ca-file, cert-file, key-file, insecure-skip-verify }</c>, also settable in
/// code through <see cref="WebhooksTransportOptions.TlsConfigs"/>.
/// </remarks>
public sealed class WebhooksTransport : IEventTransport, ISubscriptionDeletedListener, IAsyncDisposable
{
    /// <summary>The transport's name, in subscriptions' <c>transport</c>.</summary>
    public const string TransportName = "webhooks";

    /// <summary>The one logical connection every webhook subscription is dispatched on.</summary>
    public const string ConnectionId = "webhooks";

    /// <summary>
    /// The type of reply events of <c>reply</c> webhooks. Their data is
    /// <c>{"status": n, "headers": {..}, "body": ..}</c> (a non-JSON body base64-encoded); topic is the
    /// original's, tag <c>replytag</c>, tx <c>replytx</c>, correlator the original event's id.
    /// </summary>
    public const string ReplyEventType = "webhook_reply";

    private readonly WebhooksTransportOptions _options;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentDictionary<Guid, SubscriptionLane> _lanes = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private WebhooksSettings? _settings;
    private ITransportCallbacks? _callbacks;
    private HttpClientPool? _pool;
    private WebhookSender? _sender;
    private SemaphoreSlim? _fastAckSlots;

    public WebhooksTransport(WebhooksTransportOptions? options = null)
        : this(options, TimeProvider.System)
    {
    }

    internal WebhooksTransport(WebhooksTransportOptions? options, TimeProvider time)
    {
        _options = options ?? new WebhooksTransportOptions();
        _log = _options.LoggerFactory?.CreateLogger("ActorDispatch.Transports.Webhooks") ?? NullLogger.Instance;
        _time = time;
    }

    public string Name => TransportName;

    public TransportCapabilities Capabilities { get; } = new(ChangeEvents: false, BatchDelivery: true);

    /// <summary>Connection pools in use: one per distinct <c>httpOptions</c>/TLS setting.</summary>
    internal int PooledClients => _pool?.Count ?? 0;

    /// <summary>Subscriptions with sending state (a lane) here.</summary>
    internal int Lanes => _lanes.Count;

    public void InitConfig(TransportConfigBuilder config) => WebhooksSettings.Declare(config);

    public Task InitAsync(TransportConfig config, ITransportCallbacks callbacks, CancellationToken cancellationToken = default)
    {
        var settings = WebhooksSettings.From(config, _options.TlsConfigs, _options.EgressAllow);
        var tls = settings.TlsConfigs.ToImmutableDictionary(kv => kv.Key, kv => TlsMaterial.Load(kv.Key, kv.Value), StringComparer.Ordinal);
        _pool = new HttpClientPool(tls, settings.Egress);
        _sender = new WebhookSender(_pool, settings.MaxReplyBodySize, _time, _log);
        _fastAckSlots = new SemaphoreSlim(settings.FastAckMaxConcurrentRequests);
        _settings = settings;
        _callbacks = callbacks;
        // The engine offers this connection only subscriptions whose transport is "webhooks": all of them are ours.
        callbacks.RegisterConnection(ConnectionId, static _ => true);
        return Task.CompletedTask;
    }

    public JsonDocument GetOptionsSchema() => WebhookOptionsSchema.Create();

    /// <summary>Refuses options that cannot work, naming the option; defaults <c>withData</c> to true, as FireFly's webhooks do.</summary>
    public SubscriptionOptions ValidateOptions(SubscriptionOptions options)
    {
        WebhookOptionsParser.Parse(options, Settings);
        return options.WithData is null ? options with { WithData = true } : options;
    }

    public Task DeliveryRequestAsync(string connectionId, Subscription subscription, EventDelivery delivery, JsonElement? data, CancellationToken cancellationToken = default) =>
        Dispatch(subscription, delivery.Event.Id, delivery.Subscription, delivery.Event,
            options => WebhookRequestBuilder.ForDelivery(options, delivery));

    public Task BatchDeliveryRequestAsync(string connectionId, Subscription subscription, EventDeliveryBatch batch, CancellationToken cancellationToken = default) =>
        Dispatch(subscription, batch.Id, batch.Subscription, null,
            options => WebhookRequestBuilder.ForBatch(options, batch));

    /// <summary>A deleted subscription's lane goes: its deliveries in progress stop retrying, and nothing of it stays.</summary>
    public void SubscriptionDeleted(Guid subscriptionId)
    {
        if (_lanes.TryRemove(subscriptionId, out var lane)) lane.Retire();
    }

    /// <summary>Stops sending: requests in progress are cancelled and left unanswered (the engine redelivers them after a restart).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_shutdown.IsCancellationRequested) return;
        await _shutdown.CancelAsync().ConfigureAwait(false);
        foreach (var lane in _lanes.Values) lane.Retire();
        try
        {
            await Task.WhenAll(_running.Keys).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Each task logs its own failure; shutting down must not throw for them.
        }
        _pool?.Dispose();
        _fastAckSlots?.Dispose();
    }

    private WebhooksSettings Settings => _settings ?? WebhooksSettings.From(WebhooksSettings.DefaultConfig(TransportName), _options.TlsConfigs, _options.EgressAllow);

    private ITransportCallbacks Callbacks => _callbacks ?? throw new InvalidOperationException("the webhooks transport is not initialised");

    /// <summary>
    /// Queues one delivery (event or batch) and returns at once: the engine's connection must not wait
    /// on HTTP. The answer goes to the engine later through <see cref="ITransportCallbacks.DeliveryResponse"/>.
    /// </summary>
    private Task Dispatch(Subscription subscription, Guid id, SubscriptionRef subscriptionRef, Event? single, Func<WebhookOptions, WebhookRequest> build)
    {
        if (_shutdown.IsCancellationRequested) return Task.CompletedTask;
        SubscriptionLane lane;
        try
        {
            lane = Lane(subscription);
        }
        catch (ActorDispatchException ex)
        {
            // Valid when stored, no longer valid with this configuration (e.g. a TLS config removed): a rejection.
            _log.LogWarning("Subscription {Subscription}: options no longer valid: {Error}", subscriptionRef, ex.Message);
            return Task.FromException(ex);
        }

        var options = lane.Webhook.Options;
        if (options.Reply && single is not null && WebhookReply.IsReply(single))
        {
            // Loop guard: a reply sent to a reply webhook would answer itself for ever.
            Respond(new EventDeliveryResponse { Id = id, Subscription = subscriptionRef, Info = "webhook reply not sent to a reply webhook (loop guard)" });
            return Task.CompletedTask;
        }

        if (options.FastAck) Track(() => FastAckAsync(lane, id, subscriptionRef, build));
        else
        {
            var generation = lane.Current;
            Track(() => SendAsync(lane, generation, id, subscriptionRef, single, build));
        }
        return Task.CompletedTask;
    }

    private async Task SendAsync(SubscriptionLane lane, CancellationTokenSource generation, Guid id, SubscriptionRef subscriptionRef, Event? single,
        Func<WebhookOptions, WebhookRequest> build)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(generation.Token, _shutdown.Token);
        var options = lane.Webhook.Options;
        try
        {
            var request = build(options);
            var outcome = await _sender!.SendAsync(lane.Webhook, request, readReplyBody: options.Reply, linked.Token).ConfigureAwait(false);
            if (outcome.Acked)
            {
                var reply = options.Reply && single is not null ? Reply(options, single, outcome.Response!) : null;
                Respond(new EventDeliveryResponse { Id = id, Subscription = subscriptionRef, Reply = reply });
                return;
            }
            _log.LogWarning("Subscription {Subscription}: delivery {Id} rejected: {Reason}", subscriptionRef, id, outcome.Failure);
            Reject(lane, generation, id, subscriptionRef, outcome.Failure!, outcome.Response?.RetryAfter);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // Superseded by a reject of its generation: answer, in case the engine still waits for it (it ignores the
            // answer otherwise). A redefinition or shutdown: its dispatcher has stopped, nothing waits.
            if (!_shutdown.IsCancellationRequested && !lane.Retired)
                Respond(new EventDeliveryResponse { Id = id, Subscription = subscriptionRef, Rejected = true, Info = "superseded by an earlier reject" });
        }
        catch (Exception ex)
        {
            _log.LogError(ex, "Subscription {Subscription}: delivery {Id} failed", subscriptionRef, id);
            Reject(lane, generation, id, subscriptionRef, $"delivery failed: {ex.Message}");
        }
    }

    /// <summary>
    /// FireFly's fire-and-forget: ack, then send (with retries) in the background. The ack waits for a
    /// free request slot (<c>fastack-max-concurrent-requests</c>), so that a slow receiver holds the
    /// subscription back instead of piling up requests without bound.
    /// </summary>
    private async Task FastAckAsync(SubscriptionLane lane, Guid id, SubscriptionRef subscriptionRef, Func<WebhookOptions, WebhookRequest> build)
    {
        try
        {
            await _fastAckSlots!.WaitAsync(_shutdown.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        try
        {
            Respond(new EventDeliveryResponse { Id = id, Subscription = subscriptionRef, Info = "fastack" });
            var outcome = await _sender!.SendAsync(lane.Webhook, build(lane.Webhook.Options), readReplyBody: false, _shutdown.Token).ConfigureAwait(false);
            if (!outcome.Acked)
                _log.LogWarning("Subscription {Subscription}: fast-acked delivery {Id} was not accepted: {Reason}", subscriptionRef, id, outcome.Failure);
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _log.LogError(ex, "Subscription {Subscription}: fast-acked delivery {Id} failed", subscriptionRef, id);
        }
        finally
        {
            _fastAckSlots.Release();
        }
    }

    private NewEvent? Reply(WebhookOptions options, Event original, WebhookResponse response)
    {
        if (!response.BodyTooLarge) return WebhookReply.Create(options, original, response);
        _log.LogWarning("Reply to {Id} not appended: the response body is larger than {Limit} bytes (max-reply-body-size)", original.Id, Settings.MaxReplyBodySize);
        return null;
    }

    // A Retry-After on the last answer is a floor for the engine's pause before it delivers again.
    private void Reject(SubscriptionLane lane, CancellationTokenSource generation, Guid id, SubscriptionRef subscriptionRef, string reason, TimeSpan? retryAfter = null)
    {
        lane.Supersede(generation);
        Respond(new EventDeliveryResponse { Id = id, Subscription = subscriptionRef, Rejected = true, Info = reason, Delay = retryAfter });
    }

    private void Respond(EventDeliveryResponse response) => Callbacks.DeliveryResponse(ConnectionId, response);

    /// <summary>
    /// The lane of the subscription's current definition, made (options parsed, client and retry
    /// pipeline prepared) on its first delivery. A newer definition retires the older lane: the engine
    /// restarted the dispatcher, so the older deliveries are moot.
    /// </summary>
    private SubscriptionLane Lane(Subscription subscription)
    {
        var version = SubscriptionLane.VersionOf(subscription);
        if (_lanes.TryGetValue(subscription.Id, out var lane) && lane.Version == version) return lane;

        var fresh = new SubscriptionLane(version, _sender!.Prepare(WebhookOptionsParser.Parse(subscription.Options, Settings)));
        while (true)
        {
            if (_lanes.TryGetValue(subscription.Id, out var existing))
            {
                if (existing.Version == version) return existing;
                if (existing.Version > version) return fresh; // a straggler of an older definition: serve it alone
                if (!_lanes.TryUpdate(subscription.Id, fresh, existing)) continue;
                existing.Retire();
                return fresh;
            }
            if (_lanes.TryAdd(subscription.Id, fresh)) return fresh;
        }
    }

    private void Track(Func<Task> work)
    {
        var task = Task.Run(work);
        _running.TryAdd(task, 0);
        task.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
