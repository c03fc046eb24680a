"""Every piece of UI text of the virtual phone, in zh-CN and en."""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType

LOCALES = ("zh-CN", "en")

_TEXT: MappingProxyType[str, tuple[str, str]] = MappingProxyType(
    {
        # key: (zh-CN, en)
        "app_name": ("SimChat", "SimChat"),
        "tab_chats": ("聊天", "Chats"),
        "tab_contacts": ("通讯录", "Contacts"),
        "tab_discover": ("发现", "Discover"),
        "tab_me": ("我", "Me"),
        "search": ("搜索", "Search"),
        "add": ("添加", "Add"),
        "moments": ("朋友圈", "Moments"),
        "scan": ("扫一扫", "Scan"),
        "shake": ("摇一摇", "Shake"),
        "nearby": ("附近的人", "People nearby"),
        "new_friends": ("新的朋友", "New friends"),
        "group_chats": ("群聊", "Group chats"),
        "tags": ("标签", "Tags"),
        "services": ("服务", "Services"),
        "favorites": ("收藏", "Favorites"),
        "my_posts": ("我的朋友圈", "My posts"),
        "settings": ("设置", "Settings"),
        "account_id": ("SimChat号：{id}", "SimChat ID: {id}"),
        "status": ("+ 状态", "+ Status"),
        "back": ("返回", "Back"),
        "camera": ("拍照分享", "Share a post"),
        "cancel": ("取消", "Cancel"),
        "publish": ("发表", "Post"),
        "post_hint": ("这一刻的想法...", "What's on your mind..."),
        "location": ("所在位置", "Location"),
        "visible_to": ("谁可以看", "Visible to"),
        "public": ("公开", "Public"),
        "add_image": ("添加图片", "Add photo"),
        "recent": ("最近项目", "Recent"),
        "done": ("完成", "Done"),
        "done_count": ("完成({n})", "Done ({n})"),
        "preview": ("预览", "Preview"),
        "original": ("原图", "Original"),
        "close": ("关闭", "Close"),
        "no_photos": ("没有照片或视频", "No photos or videos"),
        "send": ("发送", "Send"),
        "voice": ("语音输入", "Voice input"),
        "emoji": ("表情", "Emoji"),
        "more_functions": ("更多功能", "More features"),
        "more": ("更多", "More"),
        "update_title": ("发现新版本", "New version available"),
        "update_message": (
            "SimChat 8.1.0 带来更流畅的体验，并修复了若干问题。",
            "SimChat 8.1.0 brings a smoother experience and several fixes.",
        ),
        "later": ("以后再说", "Later"),
        "update": ("立即更新", "Update"),
        "permission_title": (
            "允许“SimChat”访问照片和媒体内容？",
            "Allow SimChat to access photos and media on this device?",
        ),
        "allow": ("允许", "Allow"),
        "deny": ("拒绝", "Don't allow"),
        "network_error": ("网络连接不可用", "Network unavailable"),
        "crash_title": ("“SimChat”屡次停止运行", "SimChat keeps stopping"),
        "crash_close": ("关闭应用", "Close app"),
        "crash_info": ("应用信息", "App info"),
        "swipe_unlock": ("向上滑动解锁", "Swipe up to unlock"),
        "publishing": ("正在发表…", "Posting…"),
        "just_now": ("刚刚", "Just now"),
        "minutes_ago": ("{n}分钟前", "{n} min ago"),
        "hours_ago": ("{n}小时前", "{n} h ago"),
        "yesterday": ("昨天", "Yesterday"),
        "days_ago": ("{n}天前", "{n} days ago"),
        "now": ("现在", "now"),
        "app_phone": ("电话", "Phone"),
        "app_messages": ("信息", "Messages"),
        "app_camera": ("相机", "Camera"),
        "app_gallery": ("相册", "Gallery"),
        "app_settings": ("设置", "Settings"),
        "app_simchat": ("SimChat", "SimChat"),
        "nav_back": ("返回", "Back"),
        "nav_home": ("主屏幕", "Home"),
        "nav_recents": ("概览", "Overview"),
        "new_message": ("条新消息", "new messages"),
    }
)

_WEEKDAYS = (
    ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"),
    ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
)
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class Strings:
    """UI text in one locale.

    Args:
        locale: "zh-CN" or "en".

    Raises:
        ValueError: unsupported locale.
    """

    def __init__(self, locale: str) -> None:
        if locale not in LOCALES:
            raise ValueError(f"unsupported locale {locale!r} (expected one of {LOCALES})")
        self.locale = locale
        self._index = LOCALES.index(locale)

    def __call__(self, key: str, **values: object) -> str:
        """The text for `key`, with `{name}` placeholders filled from `values`."""
        text = _TEXT[key][self._index]
        return text.format(**values) if values else text

    @property
    def chinese(self) -> bool:
        """True for the zh-CN locale."""
        return self._index == 0

    def date(self, moment: datetime) -> str:
        """A long date: "6月12日 星期三" or "Wednesday, June 12"."""
        weekday = _WEEKDAYS[self._index][moment.weekday()]
        if self.chinese:
            return f"{moment.month}月{moment.day}日 {weekday}"
        return f"{weekday}, {_MONTHS[moment.month - 1]} {moment.day}"

    def short_date(self, moment: datetime) -> str:
        """A short date: "6月12日" or "Jun 12"."""
        if self.chinese:
            return f"{moment.month}月{moment.day}日"
        return f"{_MONTHS[moment.month - 1][:3]} {moment.day}"

    def weekday(self, moment: datetime) -> str:
        """The weekday name of `moment`."""
        return _WEEKDAYS[self._index][moment.weekday()]
