using Akka.Actor;

namespace ActorDispatch;

/// <summary>
/// The sender of one local request: the first message told to it completes <see cref="Reply"/>.
/// Unlike Ask's temporary actor it is not registered with the actor system, which on the append
/// path removes a contended registry and a timer per call; it therefore cannot be reached by
/// path, only by the reference itself, so it serves local targets only.
/// </summary>
internal sealed class ReplyPromise : MinimalActorRef
{
    private static long _next;
    private readonly TaskCompletionSource<object> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ReplyPromise(IActorRefProvider provider)
    {
        Provider = provider;
        Path = (provider.TempContainer.Path / "reply").WithUid(Interlocked.Increment(ref _next));
    }

    public Task<object> Reply => _reply.Task;

    public override ActorPath Path { get; }

    public override IActorRefProvider Provider { get; }

    protected override void TellInternal(object message, IActorRef sender) => _reply.TrySetResult(message);
}
