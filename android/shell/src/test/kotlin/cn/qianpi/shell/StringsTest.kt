// Every screen text exists in both languages, and the resolver fails loudly on a missing key.
package cn.qianpi.shell

import cn.qianpi.shell.text.StringTable
import cn.qianpi.shell.text.UiText
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith

class StringsTest {
    private val res = StringTable.appResources()

    @Test
    fun chinese_and_english_have_the_same_keys() {
        val zh = StringTable.zh(res)
        val en = StringTable.en(res)
        assertEquals(emptySet(), zh.keys - en.keys, "keys only in Chinese")
        assertEquals(emptySet(), en.keys - zh.keys, "keys only in English")
    }

    @Test
    fun a_text_resolves_in_each_language_and_a_missing_key_is_an_error() {
        assertEquals("签批", StringTable.zh(res).resolve(UiText.res("app_name")))
        assertEquals("Qianpi", StringTable.en(res).resolve(UiText.res("app_name")))
        assertEquals("已送达", StringTable.zh(res).resolve(UiText.Both("已送达", "Delivered")))
        assertFailsWith<StringTable.MissingString> { StringTable.zh(res).resolve(UiText.res("no_such_text")) }
    }
}
