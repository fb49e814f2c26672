using System.Text.RegularExpressions;
using ActorDispatch.Model;

namespace ActorDispatch.Subscriptions;

/// <summary>
/// A <see cref="SubscriptionFilter"/> compiled once: every non-empty pattern must match. A field the
/// event does not have (group, transaction type, or an unset topic/tag/author) is matched as the
/// empty string, so only an empty-matching pattern accepts it.
/// </summary>
internal sealed class EventFilter
{
    // Guards the dispatch path against catastrophic backtracking in user-supplied patterns.
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    private readonly Regex? _events, _topic, _tag, _author, _group, _txType;

    private EventFilter(SubscriptionFilter f)
    {
        _events = Compile("filter.events", f.Events);
        _topic = Compile("filter.topic", f.Topic);
        _tag = Compile("filter.tag", f.Tag);
        _author = Compile("filter.author", f.Author);
        _group = Compile("filter.group", f.Group);
        _txType = Compile("filter.transaction.type", f.TransactionType);
    }

    /// <summary>Compiles the filter; throws <see cref="ActorDispatchException"/> naming the first invalid pattern.</summary>
    public static EventFilter Create(SubscriptionFilter filter) => new(filter);

    public bool Matches(Event e) =>
        Match(_events, e.Type) && Match(_topic, e.Topic) && Match(_tag, e.Tag) && Match(_author, e.Author) &&
        Match(_group, null) && Match(_txType, null);

    private static bool Match(Regex? regex, string? value)
    {
        if (regex is null) return true;
        try
        {
            return regex.IsMatch(value ?? string.Empty);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static Regex? Compile(string field, string? pattern)
    {
        if (string.IsNullOrEmpty(pattern)) return null;
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (ArgumentException ex)
        {
            throw Errors.InvalidRegex(field, pattern, ex.Message);
        }
    }
}
