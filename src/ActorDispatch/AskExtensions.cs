using System.Runtime.ExceptionServices;
using Akka.Actor;

namespace ActorDispatch;

internal static class AskExtensions
{
    /// <summary>
    /// Asks at the engine's edge: a <see cref="Status.Failure"/> reply surfaces as its exception, and
    /// a timeout as an <see cref="ActorDispatchException"/> that says what did not answer. A local
    /// target answers a <see cref="ReplyPromise"/>, which costs no temporary actor. With remoting (a
    /// cluster) even a local target (a shard region, a singleton proxy) may pass the message to
    /// another node, so the ask goes through Akka's <c>Ask</c>, whose temporary actor can be reached
    /// from there.
    /// </summary>
    public static async Task<T> AskEngine<T>(this IActorRef target, object message, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (target is not IInternalActorRef { IsLocal: true, Provider: LocalActorRefProvider } local)
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

        var promise = new ReplyPromise(local.Provider);
        target.Tell(message, promise);
        object reply;
        try
        {
            reply = await promise.Reply.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw Errors.Timeout(message.GetType().Name, timeout);
        }
        switch (reply)
        {
            case T answer:
                return answer;
            case Status.Failure failure:
                ExceptionDispatchInfo.Throw(failure.Cause);
                throw failure.Cause; // not reached
            default:
                throw new InvalidOperationException($"{message.GetType().Name} was answered with an unexpected {reply.GetType().Name}");
        }
    }
}
