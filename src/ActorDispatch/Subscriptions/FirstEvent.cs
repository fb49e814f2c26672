using System.Globalization;
using ActorDispatch.Model;

namespace ActorDispatch.Subscriptions;

/// <summary>
/// The <c>firstEvent</c> option: resolved to a sequence number when a subscription is created, and
/// from then on where its dispatch starts (its initial committed offset is the sequence before).
/// </summary>
internal static class FirstEvent
{
    /// <summary><c>oldest</c> is 1, <c>newest</c> (the default) the sequence after <paramref name="head"/>, a number itself.</summary>
    public static string Resolve(string? firstEvent, long head) => firstEvent switch
    {
        "oldest" => "1",
        null or "newest" => (head + 1).ToString(CultureInfo.InvariantCulture),
        _ => firstEvent,
    };

    /// <summary>The committed offset a new subscription starts with.</summary>
    public static long InitialOffset(Subscription subscription) =>
        long.TryParse(subscription.Options.FirstEvent, NumberStyles.None, CultureInfo.InvariantCulture, out var first) && first > 0 ? first - 1 : 0;
}
