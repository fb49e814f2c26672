using MQTTnet;

namespace ActorDispatch.Transports.Mqtt.Publishing;

/// <summary>How one publish ended: acked by the broker, refused by it, or cut off with the connection.</summary>
internal sealed record PublishOutcome(bool Acked, bool ConnectionLost, string? Failure)
{
    public static readonly PublishOutcome Ack = new(true, false, null);

    public static readonly PublishOutcome Lost = new(false, true, null);

    public static PublishOutcome Refused(string failure) => new(false, false, failure);

    /// <summary>
    /// Reason codes below 0x80 are successes; "no matching subscribers" is one: the broker took the
    /// message, and that nobody listens is the receivers' affair, not a reason to redeliver.
    /// </summary>
    public static PublishOutcome Of(MqttClientPublishResult result) =>
        result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers
            ? Ack
            : Refused($"the broker answered {result.ReasonCode}{(string.IsNullOrEmpty(result.ReasonString) ? "" : $" ({result.ReasonString})")}");
}

/// <summary>A message waiting to be published on a session, and where its outcome goes.</summary>
internal sealed class OutgoingPublish(MqttApplicationMessage message)
{
    public MqttApplicationMessage Message { get; } = message;

    public TaskCompletionSource<PublishOutcome> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
