using Akka.Actor;

namespace ActorDispatch;

internal static class AskExtensions
{
    /// <summary>
    /// Asks at the engine's edge: a <see cref="Status.Failure"/> reply surfaces as its exception, and
    /// a timeout as an <see cref="ActorDispatchException"/> that says what did not answer.
    /// </summary>
    public static async Task<T> AskEngine<T>(this IActorRef target, object message, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            return await target.Ask<T>(message, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw Errors.Timeout(message.GetType().Name, timeout);
        }
    }
}
