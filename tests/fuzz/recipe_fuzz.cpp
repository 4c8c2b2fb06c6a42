// Recipe files (recipe/json.hpp): the input is the text of a recipe file. Reading gives a
// recipe or an Error naming the file and the field; a recipe that reads is written back
// to text that reads as the same recipe (the same text again: floats keep their bits),
// and lowers for small images of 1, 3 and 4 channels or fails with a reason.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz.hpp"
#include "pixfuse/plan/lower.hpp"
#include "pixfuse/recipe/json.hpp"

namespace pf = pixfuse;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string name = "recipe.json";
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  pf::DynamicRecipe recipe;
  try {
    recipe = pf::recipe_from_json(text, name);
  } catch (const pf::Error& e) {
    fuzz::check_reason(e, name);
    return 0;
  }

  const std::string written = pf::recipe_to_json(recipe);
  pf::DynamicRecipe back;
  try {
    back = pf::recipe_from_json(written, "written.json");
  } catch (const pf::Error& e) {
    fuzz::fail(std::string("a recipe pixfuse wrote does not read back: ") + e.what() + "\n" +
               written);
  }
  fuzz::check(pf::recipe_to_json(back) == written,
              "a recipe read back writes different text:\n" + written);

  for (const int channels : {1, 3, 4}) {
    try {
      const pf::Plan plan = pf::make_plan(recipe, pf::InputShape{37, 23, channels, pf::DType::u8});
      fuzz::check(plan.out_width >= 1 && plan.out_height >= 1, "a plan with an empty output");
    } catch (const pf::Error& e) {
      const std::string m = e.what();
      fuzz::check(m.size() > 2 && m.compare(m.size() - 2, 2, "()") != 0,
                  "lowering error without a reason: '" + m + "'");
    }
  }
  return 0;
}
