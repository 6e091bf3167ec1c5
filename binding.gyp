{
  "targets": [
    {
      "target_name": "simd_dropout",
      "sources": [
        "native/addon.cc",
        "native/binding.cc",
        "native/pool.cc",
        "native/cpu.cc",
        "native/dispatch.cc",
        "native/kernels_scalar.cc",
        "native/kernels_sse2.cc",
        "native/kernels_avx2.cc",
        "native/kernels_avx512.cc",
        "native/kernels_neon.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_CPP_EXCEPTIONS_ALL",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags!": ["-fno-exceptions", "-Wno-unused-parameter"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags": ["-O3", "-Wall", "-Wextra", "-ffp-contract=off"],
      "cflags_cc": ["-std=c++17", "-fexceptions"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "CLANG_CXX_LIBRARY": "libc++",
            "MACOSX_DEPLOYMENT_TARGET": "10.15",
            "GCC_OPTIMIZATION_LEVEL": "3",
            "WARNING_CFLAGS": ["-Wall", "-Wextra"],
            "OTHER_CFLAGS": ["-ffp-contract=off"]
          }
        }],
        ["OS=='win'", {
          "defines": ["_HAS_EXCEPTIONS=1"],
          "msvs_settings": {
            "VCCLCompilerTool": {
              "ExceptionHandling": 1,
              "AdditionalOptions": ["/std:c++17", "/fp:precise"]
            }
          }
        }]
      ]
    }
  ]
}
