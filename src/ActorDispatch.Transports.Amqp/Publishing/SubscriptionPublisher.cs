using System.Text;
using System.Threading.Channels;
using ActorDispatch.Model;
using ActorDispatch.Transports.Amqp.Options;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace ActorDispatch.Transports.Amqp.Publishing;

/// <summary>
/// Publishes one subscription definition's deliveries, in the order the engine made them, on a
/// channel of its own with publisher confirms and tracking. Deliveries are queued and a single pump
/// publishes them one after the other without waiting for confirms, so that up to the
/// subscription's window (<c>1 + readAhead</c>) are in flight at once; the client sends publishes of
/// one channel in the order they were started, and the broker keeps that order. Each delivery is
/// answered when its confirm comes: an ack acks; a nack, a return (<c>mandatory</c>, unroutable), a
/// channel error or no confirm within <c>confirm-timeout</c> rejects. While the broker is merely
/// unreachable nothing is answered: the engine was told the connection closed and redelivers from
/// the committed offset once a new one is registered.
/// </summary>
/// <remarks>
/// A reject makes the engine rewind and replay everything in flight, so deliveries still queued from
/// before it are moot: a failure starts a new <em>generation</em> and older queued deliveries are
/// answered with a reject (which the engine ignores when it no longer has them in flight) instead of
/// being published out of turn.
/// </remarks>
internal sealed class SubscriptionPublisher
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeSpan _confirmTimeout;
    private readonly Action<BrokerSession, EventDeliveryResponse> _respond;
    private readonly ILogger _log;
    private readonly Task _pump;
    private IChannel? _channel;
    private BrokerSession? _channelSession;
    private int _generation;

    public SubscriptionPublisher(DateTimeOffset version, AmqpOptions options, TimeSpan confirmTimeout, Action<BrokerSession, EventDeliveryResponse> respond, ILogger log)
    {
        Version = version;
        Options = options;
        _confirmTimeout = confirmTimeout;
        _respond = respond;
        _log = log;
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>The subscription's <c>updated</c> (or <c>created</c>) time this publisher was made for.</summary>
    public DateTimeOffset Version { get; }

    public AmqpOptions Options { get; }

    public static DateTimeOffset VersionOf(Subscription subscription) => subscription.Updated ?? subscription.Created;

    /// <summary>Queues a delivery made on <paramref name="session"/>; returns at once.</summary>
    public void Enqueue(BrokerSession session, EventDelivery delivery) =>
        _queue.Writer.TryWrite(new Pending(session, delivery, Volatile.Read(ref _generation)));

    /// <summary>
    /// The subscription was redefined or deleted, or the transport stops: nothing waits for the
    /// queued deliveries any more, they end unanswered, and the channel is closed.
    /// </summary>
    public async Task RetireAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _pump.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        if (_channel is { } channel) await CloseQuietlyAsync(channel).ConfigureAwait(false);
    }

    private async Task PumpAsync()
    {
        var token = _stop.Token;
        await foreach (var pending in _queue.Reader.ReadAllAsync(token).ConfigureAwait(false))
        {
            if (pending.Session.Closed) continue;
            if (pending.Generation != Volatile.Read(ref _generation))
            {
                _respond(pending.Session, Reject(pending, "superseded by an earlier failed delivery"));
                continue;
            }

            IChannel channel;
            try
            {
                channel = await ChannelAsync(pending.Session, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                if (!pending.Session.Closed) Fail(pending, $"could not open a channel: {ex.Message}");
                continue;
            }

            var message = AmqpMessage.For(Options, pending.Delivery);
            if (Encoding.UTF8.GetByteCount(message.RoutingKey) > RoutingKeyTemplate.MaxBytes)
            {
                Fail(pending, $"routing key '{message.RoutingKey[..64]}…' is longer than {RoutingKeyTemplate.MaxBytes} bytes");
                continue;
            }

            var timeout = new CancellationTokenSource(_confirmTimeout);
            ValueTask publish;
            try
            {
                // Not awaited here: the call has taken its place in the channel's order when it returns.
                publish = channel.BasicPublishAsync(message.Exchange, message.RoutingKey, message.Mandatory, message.Properties, message.Body, timeout.Token);
            }
            catch (Exception ex)
            {
                publish = ValueTask.FromException(ex);
            }
            _ = ConfirmAsync(publish, pending, timeout);
        }
    }

    private async Task ConfirmAsync(ValueTask publish, Pending pending, CancellationTokenSource timeout)
    {
        try
        {
            await publish.ConfigureAwait(false);
            _respond(pending.Session, new EventDeliveryResponse { Id = pending.Delivery.Event.Id, Subscription = pending.Delivery.Subscription });
        }
        catch (PublishReturnException ex)
        {
            Fail(pending, $"returned by the broker as unroutable: {ex.ReplyCode} {ex.ReplyText} (exchange '{ex.Exchange}', routing key '{ex.RoutingKey}')");
        }
        catch (PublishException)
        {
            Fail(pending, "nacked by the broker");
        }
        catch (Exception ex)
        {
            // Broker gone: the engine has been (or is about to be) told that the connection closed.
            if (pending.Session.Closed) return;
            if (ex is OperationCanceledException && timeout.IsCancellationRequested)
                Fail(pending, $"not confirmed by the broker within {_confirmTimeout.TotalMilliseconds:0}ms (confirm-timeout)");
            else Fail(pending, $"publish failed: {ex.Message}");
        }
        finally
        {
            timeout.Dispose();
        }
    }

    private void Fail(Pending pending, string reason)
    {
        // Only the first failure of a generation starts the next: the rest of it fail with it.
        Interlocked.CompareExchange(ref _generation, pending.Generation + 1, pending.Generation);
        _log.LogWarning("Subscription {Subscription}: delivery {Id} (sequence {Sequence}) failed: {Reason}",
            pending.Delivery.Subscription, pending.Delivery.Event.Id, pending.Delivery.Event.Sequence, reason);
        _respond(pending.Session, Reject(pending, reason));
    }

    private static EventDeliveryResponse Reject(Pending pending, string reason) =>
        new() { Id = pending.Delivery.Event.Id, Subscription = pending.Delivery.Subscription, Rejected = true, Info = reason };

    /// <summary>
    /// The open channel on <paramref name="session"/>, made when there is none: after a reconnect, or
    /// after the broker closed the previous one for an error (an exchange that does not exist).
    /// </summary>
    private async ValueTask<IChannel> ChannelAsync(BrokerSession session, CancellationToken token)
    {
        if (_channel is { IsOpen: true } open && ReferenceEquals(_channelSession, session)) return open;
        if (_channel is { } old) _ = CloseQuietlyAsync(old);
        _channel = null;
        var options = new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: null); // the engine's window bounds what is in flight
        _channel = await session.Connection.CreateChannelAsync(options, token).ConfigureAwait(false);
        _channelSession = session;
        return _channel;
    }

    private static async Task CloseQuietlyAsync(IChannel channel)
    {
        try
        {
            if (channel.IsOpen) await channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Closing a channel on a connection that has gone: nothing to tidy.
        }
        channel.Dispose();
    }

    private sealed record Pending(BrokerSession Session, EventDelivery Delivery, int Generation);
}
