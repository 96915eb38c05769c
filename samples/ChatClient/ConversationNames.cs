using System.Collections.Concurrent;
using Messaging.Client;
using Messaging.Protocol;

namespace ChatClient;

/// <summary>
/// How conversations are called on screen: a group by its name, a direct chat by the other member. A conversation
/// not seen yet (a group someone else created) is looked up once, and the lookup is shared by everything waiting on it.
/// </summary>
internal sealed class ConversationNames(MessagingClient client, string me)
{
    private readonly ConcurrentDictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _lookups = new(StringComparer.Ordinal);

    /// <summary>The on-screen name of <paramref name="conversation"/>.</summary>
    public static string Of(ConversationBody conversation, string me) => conversation.Type == ConversationType.Group
        ? string.IsNullOrEmpty(conversation.Name) ? conversation.ConversationId : conversation.Name
        : conversation.Members.FirstOrDefault(m => m.UserId != me)?.UserId ?? me;

    /// <summary>Records the name of a conversation the app has.</summary>
    public string Remember(ConversationBody conversation) => _names[conversation.ConversationId] = Of(conversation, me);

    /// <summary>The name if known, else the id (for notices that must not wait).</summary>
    public string Known(string conversationId) => _names.TryGetValue(conversationId, out var name) ? name : conversationId;

    /// <summary>The name, looked up from the server when not known yet; the id if the lookup fails.</summary>
    public async ValueTask<string> GetAsync(string conversationId)
    {
        if (_names.TryGetValue(conversationId, out var name))
        {
            return name;
        }

        var lookup = _lookups.GetOrAdd(conversationId, id => new Lazy<Task<string>>(() => LookUpAsync(id)));
        return await lookup.Value.ConfigureAwait(false);
    }

    private async Task<string> LookUpAsync(string conversationId)
    {
        try
        {
            return Remember(await client.GetConversationAsync(conversationId).ConfigureAwait(false));
        }
        catch (MessagingClientException)
        {
            // Not remembered: a later message tries again.
            _lookups.TryRemove(conversationId, out _);
            return conversationId;
        }
    }
}
