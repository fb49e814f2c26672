using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace ActorDispatch.Transports.Mqtt.Publishing;

/// <summary>
/// One connection to the broker, registered with the engine as its own connection id, from the
/// CONNACK until it is lost. Publishes go out in the order they were queued, through one send loop:
/// it starts each <c>PublishAsync</c> in turn without waiting for the previous one's PUBACK, so that
/// several are in flight at once (MQTTnet writes packets through a first-come, first-served lock, so
/// starting them in order sends them in order). At most the broker's receive maximum are in flight,
/// and QoS 2 publishes go one at a time (see <see cref="RunAsync"/>).
/// Once lost, the session answers every publish still queued or in flight as
/// <see cref="PublishOutcome.Lost"/>: none of them is acked, and the engine delivers them again
/// on the next connection, from its committed offset.
/// </summary>
internal sealed class BrokerSession
{
    private readonly IMqttClient _client;
    private readonly ILogger _log;
    private readonly Channel<OutgoingPublish> _queue = Channel.CreateUnbounded<OutgoingPublish>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _inflight;
    private readonly CancellationTokenSource _lost = new();
    private readonly TaskCompletionSource _lostSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public BrokerSession(string connectionId, IMqttClient client, int receiveMaximum, ILogger log)
    {
        ConnectionId = connectionId;
        _client = client;
        _log = log;
        _inflight = new SemaphoreSlim(Math.Max(1, receiveMaximum));
    }

    /// <summary>The engine's id for this connection: a new one per connect, so a late close of an old one cannot hit a new one.</summary>
    public string ConnectionId { get; }

    public IMqttClient Client => _client;

    /// <summary>Completes when the connection is lost (or the session is ended).</summary>
    public Task Lost => _lostSignal.Task;

    public bool IsLost => _lost.IsCancellationRequested;

    /// <summary>Queues a publish; false once the session is lost (the caller drops the delivery: the engine redelivers it).</summary>
    public bool TryQueue(OutgoingPublish publish) => _queue.Writer.TryWrite(publish);

    /// <summary>The send loop; ends when the session is lost.</summary>
    public async Task RunAsync()
    {
        try
        {
            await foreach (var publish in _queue.Reader.ReadAllAsync(_lost.Token).ConfigureAwait(false))
            {
                await _inflight.WaitAsync(_lost.Token).ConfigureAwait(false);
                Task<MqttClientPublishResult> sending;
                try
                {
                    sending = _client.PublishAsync(publish.Message, CancellationToken.None);
                }
                catch (Exception ex)
                {
                    _inflight.Release();
                    publish.Outcome.TrySetResult(Failed(ex));
                    continue;
                }
                var completing = CompleteAsync(sending, publish);
                // The broker forwards a QoS 2 message on its PUBREL, and MQTTnet sends the PUBRELs of
                // concurrent publishes in whatever order their PUBRECs' continuations run: one at a time keeps order.
                if (publish.Message.QualityOfServiceLevel == MqttQualityOfServiceLevel.ExactlyOnce) await completing.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_lost.IsCancellationRequested)
        {
        }
        finally
        {
            while (_queue.Reader.TryRead(out var left)) left.Outcome.TrySetResult(PublishOutcome.Lost);
        }
    }

    // The PUBACK (QoS 1), PUBCOMP (QoS 2) or the write itself (QoS 0) ends a publish.
    private async Task CompleteAsync(Task<MqttClientPublishResult> sending, OutgoingPublish publish)
    {
        try
        {
            publish.Outcome.TrySetResult(PublishOutcome.Of(await sending.ConfigureAwait(false)));
        }
        catch (Exception ex)
        {
            publish.Outcome.TrySetResult(Failed(ex));
        }
        finally
        {
            _inflight.Release();
        }
    }

    // A publish that failed because the connection went is not the broker's refusal: it is neither
    // acked nor rejected (which would count against maxDeliveries), and the session ends.
    private PublishOutcome Failed(Exception ex)
    {
        if (IsLost || !_client.IsConnected || ex is MqttCommunicationException)
        {
            MarkLost(ex);
            return PublishOutcome.Lost;
        }
        _log.LogWarning(ex, "MQTT publish on {Connection} failed", ConnectionId);
        return PublishOutcome.Refused($"publish failed: {ex.Message}");
    }

    /// <summary>Ends the session: the send loop stops, and what it had not sent is answered as lost.</summary>
    public void MarkLost(Exception? cause)
    {
        if (_lost.IsCancellationRequested) return;
        try
        {
            _lost.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        _queue.Writer.TryComplete();
        _lostSignal.TrySetResult();
        if (cause is not null) _log.LogDebug(cause, "MQTT connection {Connection} lost", ConnectionId);
    }
}
