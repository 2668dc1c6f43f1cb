// Test sample: bidi controls reorder what a reviewer sees.
const accessLevel = "user";
if (accessLevel != "user‮ ⁦// Check if admin⁩ ⁦") {
  console.log("You are an admin.");
}
