namespace ActorDispatch.Transports.Amqp.Options;

/// <summary>
/// The <c>routingKey</c> option: an <see cref="EventTemplate"/>, its values as they are (AMQP routing
/// keys take any text; an event without a topic fills <c>{topic}</c> with ""), of at most
/// <see cref="MaxBytes"/>, checked as written and again as rendered.
/// </summary>
internal static class RoutingKeyTemplate
{
    /// <summary>AMQP routing keys are short strings: at most 255 bytes.</summary>
    public const int MaxBytes = 255;

    /// <summary><c>{topic}</c>.</summary>
    public static EventTemplate Default { get; } = EventTemplate.Parse("{topic}");
}
